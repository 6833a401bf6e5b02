"""The user's steering files: aliases and forbidden merges, read and applied by the linker."""

import pytest

from pipeline.errors import InputError
from pipeline.link import LinkSettings, link
from pipeline.steering import read_alias_file, read_forbidden_file, read_link_settings
from tests.test_link import processed


def test_user_aliases_and_forbidden_merges(tmp_path):
    (tmp_path / "aliases.csv").write_text("alias,canonical,label\nJokowi,Joko Widodo,PER\n", encoding="utf-8")
    (tmp_path / "forbid.csv").write_text("name,other\nTeheran,Tehran\n", encoding="utf-8")
    settings = LinkSettings(read_alias_file(tmp_path / "aliases.csv"), read_forbidden_file(tmp_path / "forbid.csv"))
    text = "Joko Widodo di Tehran. Jokowi di Teheran."
    spans = [("Joko Widodo", "PER"), ("Tehran", "LOC"), ("Jokowi", "PER"), ("Teheran", "LOC")]
    linked, _ = link([processed("d", text, spans)], settings)
    by_text = {lm.mention.text: lm for lm in linked}
    assert by_text["Jokowi"].entity_id == by_text["Joko Widodo"].entity_id
    assert by_text["Jokowi"].rule == "user"
    assert by_text["Teheran"].entity_id != by_text["Tehran"].entity_id


def test_alias_file_needs_its_columns(tmp_path):
    (tmp_path / "a.csv").write_text("alias,label\nx,PER\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing canonical"):
        read_alias_file(tmp_path / "a.csv")


def test_a_steering_file_in_another_encoding_is_one_clear_error(tmp_path):
    (tmp_path / "a.csv").write_bytes("alias,canonical,label\nJokowi,Joko Widodo,PER\nSoekarno,Ir. Soekarno\xe9,PER\n"
                                     .encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_link_settings(tmp_path / "a.csv")


def test_a_user_alias_stays_an_alias_of_its_entity(tmp_path):
    from tests.test_link import linked_store

    (tmp_path / "aliases.csv").write_text("alias,canonical,label\nJokowi,Joko Widodo,PER\n", encoding="utf-8")
    settings = read_link_settings(tmp_path / "aliases.csv")
    tables = linked_store([("d", "Joko Widodo datang. Jokowi tersenyum.", [("Joko Widodo", "PER"), ("Jokowi", "PER")])],
                          settings)
    assert tables.aliases[["alias", "rule"]].values.tolist() == [["Joko Widodo", "canonical"], ["Jokowi", "user"]]
    assert tables.entities[["canonical", "aliases"]].values.tolist() == [["Joko Widodo", "Jokowi"]]
