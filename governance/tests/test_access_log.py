"""The production access log (gunicorn.conf.py) never records query strings or
referrers, where personal data (ID-number searches) would otherwise end up."""

import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_access_log_line_has_no_query_string_or_referrer():
    settings = runpy.run_path(str(CONF))
    cfg = Config()
    cfg.set("accesslog", settings["accesslog"])
    cfg.set("access_log_format", settings["access_log_format"])
    logger = Logger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/people/?id_number=220102199001011234",
        "PATH_INFO": "/api/v1/people/",
        "QUERY_STRING": "id_number=220102199001011234",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": "https://gridgov/collection/people/?q=220102199001011234",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    line = settings["access_log_format"] % logger.atoms(resp, [], environ, timedelta(0, 1))
    assert "/api/v1/people/" in line and " 200 " in line
    assert "220102199001011234" not in line and "id_number" not in line
