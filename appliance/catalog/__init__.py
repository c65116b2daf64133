"""The catalog: Peewee models, database setup and every SQL the appliance runs."""
