"""Election definitions, split by job; :mod:`saylau.spec` is the entry point.

files.py (a directory or stored bytes), toml_lines.py (where each key of a TOML text is),
keys.py (what a key may hold, and the walk that checks a document), schema.py (the keys every
TOML file may hold, place by place), rules_toml.py (rules tables -> saylau.rules, shared with
``saylau allocate``), tables.py (the CSV tables), columns.py (the big ones, stations and
territories, read as columns when they are clean), problems.py (the list of problems),
loader.py (election.toml and the tables -> Election) and station_tables.py (territories.csv and
stations.csv from a national protocol file and its mapping: ``saylau stations``).
"""
