"""``mlteam``: the command line for pipelines and people, a thin client of the REST API."""
