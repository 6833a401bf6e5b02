"""`entitas serve`: the tables in Datasette, queried over HTTP on 127.0.0.1."""

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import replace

import pytest

from pipeline.serve import METADATA_FILE, metadata
from pipeline.store import TableStore
from pipeline.tables import SQLITE_FILE, write_tables, write_texts
from tests.test_store import fill

pytest.importorskip("datasette", reason="entitas[serve] is not installed")


@pytest.fixture
def dated_run(tmp_path):
    """Tables as CSV whose documents carry a date (the input's metadata), and no SQLite file yet."""
    with TableStore() as store:
        fill(store)
        tables = store.tables()
        write_texts(store.texts(), tmp_path)
    write_tables(replace(tables, documents=tables.documents.assign(date=["2024-01-17", "2024-01-18", ""])), tmp_path)
    return tmp_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, deadline: float):
    """The JSON at ``url``, retried while the server starts, until ``deadline``."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serve_answers_facets_search_and_canned_queries_over_http(dated_run):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", str(dated_run), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/entitas"
    deadline = time.monotonic() + 90
    try:
        entities = get_json(f"{base}/entities.json?_shape=objects", deadline)
        assert {row["canonical"] for row in entities["rows"]} >= {"Joko Widodo", "Hamas"}
        assert "label" in entities["facet_results"]
        query = urllib.parse.urlencode({"entity": "Joko Widodo", "_shape": "array"})
        mentions = get_json(f"{base}/entity_mentions.json?{query}", deadline)
        assert {(m["doc_id"], m["mention"]) for m in mentions} == {("a", "Joko Widodo"), ("b", "Joko Widodo")}
        others = get_json(f"{base}/cooccurs_with.json?{query}", deadline)
        assert len(others) == 2 and "Hamas" in {o["other"] for o in others}  # and the one place, Teheran/Tehran
        per_day = get_json(f"{base}/mentions_per_day.json?{query}", deadline)
        assert [(d["day"], d["mentions"]) for d in per_day] == [("2024-01-17", 1), ("2024-01-18", 1)]
        found = get_json(f"{base}/mentions.json?_search=bertemu&_shape=array", deadline)
        assert {m["text"] for m in found} == {"Tehran", "Joko Widodo", "Hamas"}
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (dated_run / SQLITE_FILE).exists() and (dated_run / METADATA_FILE).exists()
    with pytest.raises(OSError):  # stopping `entitas serve` stopped Datasette: nothing listens there any more
        urllib.request.urlopen(f"{base}/entities.json", timeout=5)


def test_mentions_per_day_only_where_documents_have_dates(tmp_path):
    with TableStore() as store:
        fill(store)
        write_tables(store, tmp_path, "sqlite")
    queries = metadata(tmp_path / SQLITE_FILE)["databases"]["entitas"]["queries"]
    assert set(queries) == {"entity_mentions", "cooccurs_with"}
