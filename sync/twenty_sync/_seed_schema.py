"""The seed's schema in Twenty: the custom fields and the custom object the warehouse sync writes to.

    report = client.metadata.ensure_schema(SEED_SCHEMA)      # or: nox -s setup [-- --url URL]

Twenty has no ``customFields`` sub-object: a record is flat. Each of the seed's ``customFields.<name>`` becomes a
top-level custom field of the same name on the standard object (``person.customFields.contactId`` → person field
``contactId``), written and filtered like any field (``contactId[eq]:C-1``). Scalars are TEXT; nested documents are
RAW_JSON (stored as jsonb: compare them as JSON values, not as text, since key order is not kept).

=================================================  ================================================  ===============
seed                                               Twenty                                            type
=================================================  ================================================  ===============
person ``customFields.contactId``                  ``person.contactId``                              TEXT, unique
person ``contact_identifiers`` (whole)            ``person.contactIdentifiers``                     RAW_JSON
person ``customFields.categoryCode``               ``person.categoryCode``                           TEXT
person ``customFields.subcategoryCode``            ``person.subcategoryCode``                        TEXT
person ``customFields.relationshipCategory``       ``person.relationshipCategory``                   TEXT
person ``customFields.llmContext``                 ``person.llmContext``                             TEXT
person ``customFields.communicationStats``         ``person.communicationStats``                     RAW_JSON
person ``customFields.socialNetwork``              ``person.socialNetwork``                          RAW_JSON
person ``customFields.aiInsights``                 ``person.aiInsights``                             RAW_JSON
person ``customFields.recommendations``            ``person.recommendations``                        RAW_JSON
person ``customFields.syncMetadata``               ``person.syncMetadata``                           RAW_JSON
company ``customFields.businessId``                ``company.businessId``                            TEXT, unique
company ``customFields.industry``                  ``company.industry``                              TEXT
company ``customFields.businessType``              ``company.businessType``                          TEXT
company ``customFields.llmContext``                ``company.llmContext``                            TEXT
company ``customFields.businessData``              ``company.businessData``                          RAW_JSON
company ``customFields.relationshipStats``         ``company.relationshipStats``                     RAW_JSON
company ``customFields.syncMetadata``              ``company.syncMetadata``                          RAW_JSON
person ↔ company relationship (its own id)         ``contactBusinessRelationship.relationshipId``    TEXT, unique
relationship role                                  ``contactBusinessRelationship.contactRole``       TEXT
relationship type                                  ``contactBusinessRelationship.relationshipType``  TEXT
relationship's person                              ``contactBusinessRelationship.person``            → personId
relationship's company                             ``contactBusinessRelationship.company``           → companyId
=================================================  ================================================  ===============

The person ↔ company relationships (a person may hold several roles at several companies, beyond Twenty's single
``person.companyId``) are a custom object, ``contactBusinessRelationship`` / ``contactBusinessRelationships``
(``/rest/contactBusinessRelationships``), with MANY_TO_ONE relations ``person`` and ``company``: records write
``personId`` / ``companyId``, ``depth=1`` embeds both, and Twenty adds the reverse ONE_TO_MANY fields
``person.contactBusinessRelationships`` and ``company.contactBusinessRelationships``. Its own ``name`` (Twenty's label
field, made with the object) is free for a readable "Ada @ Acme".

The relationship's ``role`` is ``contactRole``: ``role`` is one of Twenty's reserved names (as are ``type``,
``field``, ``object``, ``user``...), refused as a field name.

The unique TEXT keys (``contactId``, ``businessId``, ``relationshipId``) are the sync's external ids: Twenty's batch
upsert matches on unique fields, so rows carrying only them update the same records on every run.
``relationshipType`` is TEXT rather than SELECT: the warehouse's values pass through unchanged, whereas a SELECT would
refuse any value outside its UPPER_CASE options (and a new value would need a schema change first).
"""

from __future__ import annotations

from twenty_sdk import FieldSpec, ObjectSpec, RelationSpec

__all__ = ["RELATIONSHIP_OBJECT", "SEED_SCHEMA"]

RELATIONSHIP_OBJECT = "contactBusinessRelationship"
"""The custom object holding the seed's person ↔ company relationships (plural ``contactBusinessRelationships``)."""

_SEED = "From the seed's customFields.{}."

SEED_SCHEMA: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "person",
        "people",
        custom=False,
        fields=(
            FieldSpec(
                "contactId",
                "TEXT",
                "Contact ID",
                is_unique=True,
                icon="IconId",
                description="The seed's contact id: the sync's external key (unique, upserts match on it).",
            ),
            FieldSpec(
                "contactIdentifiers",
                "RAW_JSON",
                "Contact Identifiers",
                icon="IconFingerprint",
                description="The seed's contact_identifiers, whole (its primary email and phone also fill emails and "
                "phones).",
            ),
            FieldSpec(
                "categoryCode", "TEXT", "Category Code", icon="IconCategory", description=_SEED.format("categoryCode")
            ),
            FieldSpec(
                "subcategoryCode",
                "TEXT",
                "Subcategory Code",
                icon="IconCategory2",
                description=_SEED.format("subcategoryCode"),
            ),
            FieldSpec(
                "relationshipCategory",
                "TEXT",
                "Relationship Category",
                icon="IconUsersGroup",
                description=_SEED.format("relationshipCategory"),
            ),
            FieldSpec("llmContext", "TEXT", "LLM Context", icon="IconRobot", description=_SEED.format("llmContext")),
            FieldSpec(
                "communicationStats",
                "RAW_JSON",
                "Communication Stats",
                icon="IconMessages",
                description=_SEED.format("communicationStats"),
            ),
            FieldSpec(
                "socialNetwork",
                "RAW_JSON",
                "Social Network",
                icon="IconShare",
                description=_SEED.format("socialNetwork"),
            ),
            FieldSpec("aiInsights", "RAW_JSON", "AI Insights", icon="IconBulb", description=_SEED.format("aiInsights")),
            FieldSpec(
                "recommendations",
                "RAW_JSON",
                "Recommendations",
                icon="IconThumbUp",
                description=_SEED.format("recommendations"),
            ),
            FieldSpec(
                "syncMetadata",
                "RAW_JSON",
                "Sync Metadata",
                icon="IconRefresh",
                description=_SEED.format("syncMetadata"),
            ),
        ),
    ),
    ObjectSpec(
        "company",
        "companies",
        custom=False,
        fields=(
            FieldSpec(
                "businessId",
                "TEXT",
                "Business ID",
                is_unique=True,
                icon="IconId",
                description="The seed's business id: the sync's external key (unique, upserts match on it).",
            ),
            FieldSpec("industry", "TEXT", "Industry", icon="IconBuildingFactory", description=_SEED.format("industry")),
            FieldSpec(
                "businessType", "TEXT", "Business Type", icon="IconBriefcase", description=_SEED.format("businessType")
            ),
            FieldSpec("llmContext", "TEXT", "LLM Context", icon="IconRobot", description=_SEED.format("llmContext")),
            FieldSpec(
                "businessData",
                "RAW_JSON",
                "Business Data",
                icon="IconDatabase",
                description=_SEED.format("businessData"),
            ),
            FieldSpec(
                "relationshipStats",
                "RAW_JSON",
                "Relationship Stats",
                icon="IconChartBar",
                description=_SEED.format("relationshipStats"),
            ),
            FieldSpec(
                "syncMetadata",
                "RAW_JSON",
                "Sync Metadata",
                icon="IconRefresh",
                description=_SEED.format("syncMetadata"),
            ),
        ),
    ),
    ObjectSpec(
        RELATIONSHIP_OBJECT,
        "contactBusinessRelationships",
        "Contact Business Relationship",
        "Contact Business Relationships",
        description="A person's role at a company, from the seed's person-company relationships.",
        icon="IconLink",
        fields=(
            FieldSpec(
                "relationshipId",
                "TEXT",
                "Relationship ID",
                is_unique=True,
                icon="IconId",
                description="The seed's relationship id: the sync's external key (unique, upserts match on it).",
            ),
            FieldSpec(
                "contactRole",
                "TEXT",
                "Role",
                icon="IconUserStar",
                description="The person's role at the company (the seed's role; 'role' is a reserved name in Twenty).",
            ),
            FieldSpec(
                "relationshipType",
                "TEXT",
                "Relationship Type",
                icon="IconTag",
                description="Employee, advisor, investor... as the seed has it.",
            ),
            RelationSpec(
                "person",
                "person",
                "Person",
                target_field_label="Contact Business Relationships",
                icon="IconUser",
                target_field_icon="IconLink",
            ),
            RelationSpec(
                "company",
                "company",
                "Company",
                target_field_label="Contact Business Relationships",
                icon="IconBuildingSkyscraper",
                target_field_icon="IconLink",
            ),
        ),
    ),
)
"""The seed's schema: ``person`` and ``company`` custom fields and the ``contactBusinessRelationship`` object."""
