"""Start-up checks of the external services the production set-up uses."""
import os

import pytest

from backend.platform.db import DatabaseUnavailable, check_redis
from tests.conftest import require


def test_a_running_redis_passes_the_start_up_check():
    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    check_redis(url)


@pytest.mark.parametrize("url, message", [("redis://127.0.0.1:1/0", "cannot reach Redis"),
                                          ("http://nope", "not a Redis URL")])
def test_a_bad_redis_url_is_named(url, message):
    with pytest.raises(DatabaseUnavailable, match=message):
        check_redis(url)
