"""Where the base URL and the API key come from, in order, and what a missing key says.

Secret Manager is the real ``google-cloud-secret-manager`` client talking gRPC to a local server
(``fake_secret_manager.py``)."""

from __future__ import annotations

import pickle
import sys

import httpx
import pytest

from twenty_sdk import ClientConfig, ConfigurationError, GoogleSecretManager, Secret
from twenty_sdk._config import DEFAULT_BASE_URL, normalize_base_url, resolve_api_key, resolve_base_url

from .fake_secret_manager import FakeSecretManager

PROJECT = "acme-ops"
SM_KEY = "tw_from_secret_manager_9XkQ"
ENV_KEY = "tw_from_env_Lm3R"
ARG_KEY = "tw_from_argument_Ww7T"


def manager(fake: FakeSecretManager, **kwargs: object) -> GoogleSecretManager:
    return GoogleSecretManager(client=fake.client(), **kwargs)  # type: ignore[arg-type]


# -- Secret --------------------------------------------------------------------------------------------------------


def test_secret_hides_its_value_in_repr_str_and_format() -> None:
    secret = Secret(ARG_KEY)
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret]), repr({"k": secret})):
        assert ARG_KEY not in shown
    assert secret.get_secret_value() == ARG_KEY


def test_secret_equality_compares_values() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert hash(Secret("a")) == hash(Secret("a"))


def test_secret_fingerprint_is_stable_and_does_not_contain_the_key() -> None:
    assert Secret(ARG_KEY).fingerprint() == Secret(ARG_KEY).fingerprint()
    assert Secret(ARG_KEY).fingerprint() != Secret(ENV_KEY).fingerprint()
    assert ARG_KEY not in Secret(ARG_KEY).fingerprint()


def test_secret_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(Secret(ARG_KEY))).get_secret_value() == ARG_KEY


# -- order of resolution ---------------------------------------------------------------------------------------------


def test_key_found_in_secret_manager(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY + "\n")
    secret, source = resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert secret.get_secret_value() == SM_KEY  # trailing newline of `gcloud secrets create --data-file` stripped
    assert source == f"Google Secret Manager secret 'twenty-crm-api-key' in project {PROJECT!r} (version latest)"
    assert secret_manager.requests == [f"projects/{PROJECT}/secrets/twenty-crm-api-key/versions/latest"]


def test_gcloud_project_env_var_names_the_project(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY)
    secret, _ = resolve_api_key(env={"GCLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert secret.get_secret_value() == SM_KEY


def test_explicit_project_wins_over_env(secret_manager: FakeSecretManager) -> None:
    secret_manager.add("explicit", "twenty-crm-api-key", SM_KEY)
    secret, _ = resolve_api_key(
        env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager, project="explicit")
    )
    assert secret.get_secret_value() == SM_KEY
    assert secret_manager.requests == ["projects/explicit/secrets/twenty-crm-api-key/versions/latest"]


def test_latest_is_the_newest_version(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", "tw_old")
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY)
    secret, _ = resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert secret.get_secret_value() == SM_KEY


def test_a_pinned_version_is_read(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY)
    secret_manager.add(PROJECT, "twenty-crm-api-key", "tw_newer")
    secret, _ = resolve_api_key(
        env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager, version="1")
    )
    assert secret.get_secret_value() == SM_KEY


def test_env_wins_over_secret_manager(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY)
    env = {"TWENTY_API_KEY": ENV_KEY, "GOOGLE_CLOUD_PROJECT": PROJECT}
    secret, source = resolve_api_key(env=env, secret_manager=manager(secret_manager))
    assert (secret.get_secret_value(), source) == (ENV_KEY, "environment variable TWENTY_API_KEY")
    assert secret_manager.requests == []  # not even asked


def test_twenty_crm_api_key_env_var_is_read_second() -> None:
    secret, source = resolve_api_key(env={"TWENTY_CRM_API_KEY": ENV_KEY}, secret_manager=False)
    assert (secret.get_secret_value(), source) == (ENV_KEY, "environment variable TWENTY_CRM_API_KEY")
    first, _ = resolve_api_key(env={"TWENTY_API_KEY": "tw_first", "TWENTY_CRM_API_KEY": ENV_KEY}, secret_manager=False)
    assert first.get_secret_value() == "tw_first"


def test_explicit_key_wins_over_env(secret_manager: FakeSecretManager) -> None:
    env = {"TWENTY_API_KEY": ENV_KEY, "GOOGLE_CLOUD_PROJECT": PROJECT}
    secret, source = resolve_api_key(ARG_KEY, env=env, secret_manager=manager(secret_manager))
    assert (secret.get_secret_value(), source) == (ARG_KEY, "argument api_key")
    assert secret_manager.requests == []


def test_not_found_on_the_first_name_falls_through_to_the_second(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty_api_key", SM_KEY)
    secret, source = resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert secret.get_secret_value() == SM_KEY
    assert "'twenty_api_key'" in source
    assert secret_manager.requests == [
        f"projects/{PROJECT}/secrets/twenty-crm-api-key/versions/latest",
        f"projects/{PROJECT}/secrets/twenty_api_key/versions/latest",
    ]


def test_permission_denied_on_the_first_name_falls_through_to_the_second(secret_manager: FakeSecretManager) -> None:
    secret_manager.deny(PROJECT, "twenty-crm-api-key")
    secret_manager.add(PROJECT, "twenty_api_key", SM_KEY)
    secret, _ = resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert secret.get_secret_value() == SM_KEY


def test_secret_names_are_configurable(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "crm-prod", SM_KEY)
    secret, _ = resolve_api_key(
        env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager, names=["crm-prod"])
    )
    assert secret.get_secret_value() == SM_KEY
    assert secret_manager.requests == [f"projects/{PROJECT}/secrets/crm-prod/versions/latest"]


def test_an_empty_env_var_is_skipped(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY)
    env = {"TWENTY_API_KEY": "  ", "GOOGLE_CLOUD_PROJECT": PROJECT}
    secret, _ = resolve_api_key(env=env, secret_manager=manager(secret_manager))
    assert secret.get_secret_value() == SM_KEY


# -- a missing key ---------------------------------------------------------------------------------------------------


def test_missing_everywhere_names_every_place_tried(secret_manager: FakeSecretManager) -> None:
    secret_manager.deny(PROJECT, "twenty_api_key")
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    message = str(caught.value)
    assert "argument api_key: not given" in message
    assert "environment variable TWENTY_API_KEY: not set" in message
    assert "environment variable TWENTY_CRM_API_KEY: not set" in message
    assert (
        f"Google Secret Manager secret 'twenty-crm-api-key' in project {PROJECT!r} (version latest): not found"
        in message
    )
    assert (
        f"Google Secret Manager secret 'twenty_api_key' in project {PROJECT!r} (version latest): permission denied"
        in (message)
    )
    assert len(caught.value.attempts) == 5


def test_missing_without_a_project_says_why_secret_manager_was_skipped(secret_manager: FakeSecretManager) -> None:
    # GOOGLE_APPLICATION_CREDENTIALS points at a missing file (conftest): no ADC project either.
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(env={}, secret_manager=manager(secret_manager))
    message = str(caught.value)
    assert "Google Secret Manager: not tried: no project" in message
    assert "GOOGLE_CLOUD_PROJECT" in message
    assert secret_manager.requests == []


def test_missing_without_the_package_says_it_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    import google.cloud

    monkeypatch.delattr(google.cloud, "secretmanager", raising=False)
    monkeypatch.setitem(sys.modules, "google.cloud.secretmanager", None)  # import now raises ImportError
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT})
    assert "google-cloud-secret-manager package is not installed" in str(caught.value)
    assert "twenty-sdk[secretmanager]" in str(caught.value)


def test_missing_with_secret_manager_disabled_says_so() -> None:
    with pytest.raises(ConfigurationError, match=r"Google Secret Manager: not tried: disabled"):
        resolve_api_key(env={}, secret_manager=False)


def test_missing_without_application_default_credentials_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # A project but no client and no credentials: the real client cannot be built.
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT})
    assert f"Google Secret Manager (project {PROJECT!r}): not tried: no application-default credentials" in str(
        caught.value
    )


def test_unreachable_secret_manager_is_reported_not_raised() -> None:
    with FakeSecretManager() as fake:
        client = fake.client()
    # the server is gone: every call fails with UNAVAILABLE
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(
            env={"GOOGLE_CLOUD_PROJECT": PROJECT},
            secret_manager=GoogleSecretManager(client=client, timeout=2.0, names=("only-one",)),
        )
    assert "'only-one'" in str(caught.value)
    assert "failed: " in str(caught.value)


def test_a_secret_manager_key_never_appears_in_the_error(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", "   ")  # an empty value: not a key, reported as empty
    with pytest.raises(ConfigurationError) as caught:
        resolve_api_key(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert "'twenty-crm-api-key' in project 'acme-ops' (version latest): empty" in str(caught.value)


def test_keys_never_appear_in_config_reprs(secret_manager: FakeSecretManager) -> None:
    secret_manager.add(PROJECT, "twenty-crm-api-key", SM_KEY)
    config = ClientConfig.resolve(env={"GOOGLE_CLOUD_PROJECT": PROJECT}, secret_manager=manager(secret_manager))
    assert config.api_key.get_secret_value() == SM_KEY
    assert SM_KEY not in repr(config)
    assert SM_KEY not in str(config)
    explicit = ClientConfig(base_url="http://127.0.0.1:3000", api_key=ARG_KEY)
    assert ARG_KEY not in repr(explicit)


# -- base URL and the rest of the config -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://crm.example.com", "https://crm.example.com"),
        ("https://crm.example.com/", "https://crm.example.com"),
        ("https://crm.example.com/rest/", "https://crm.example.com"),
        ("https://api.twenty.com/rest", "https://api.twenty.com"),
        ("  http://127.0.0.1:3000  ", "http://127.0.0.1:3000"),
        ("https://example.com/twenty", "https://example.com/twenty"),
    ],
)
def test_base_url_is_normalised(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["crm.example.com", "ftp://crm.example.com", "https://", "https://x.com/?a=1"])
def test_a_malformed_base_url_is_a_configuration_error(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        normalize_base_url(bad)


def test_base_url_order_is_argument_then_env_then_twenty_cloud() -> None:
    env = {"TWENTY_API_URL": "https://env.example.com/"}
    assert resolve_base_url("https://arg.example.com", env=env) == "https://arg.example.com"
    assert resolve_base_url(None, env=env) == "https://env.example.com"
    assert resolve_base_url(None, env={}) == DEFAULT_BASE_URL


def test_resolve_builds_a_config_with_options() -> None:
    config = ClientConfig.resolve(
        None, env={"TWENTY_API_URL": "http://127.0.0.1:3000", "TWENTY_API_KEY": ENV_KEY}, timeout=5.0
    )
    assert config.base_url == "http://127.0.0.1:3000"
    assert config.api_key == Secret(ENV_KEY)
    assert config.api_key_source == "environment variable TWENTY_API_KEY"
    assert config.timeout == httpx.Timeout(5.0)
    assert config.verify is True


def test_an_empty_explicit_key_is_refused_by_the_config() -> None:
    with pytest.raises(ConfigurationError, match="empty"):
        ClientConfig(base_url="http://127.0.0.1:3000", api_key="")
