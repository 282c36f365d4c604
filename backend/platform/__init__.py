"""Configuration, database, bulk writes, migrations, translations, the background workers' loop and durable
jobs: what every domain stands on."""
