from tests.api.conftest import world  # noqa: F401 - the same small organisation as the API tests
