"""Configuration, database, bulk writes, migrations and translations: what every domain stands on."""
