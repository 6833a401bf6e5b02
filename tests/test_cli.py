import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import SEEDS


def test_missing_input_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: input path does not exist: {tmp_path / 'nope'}"]


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "in"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no .txt, .html, .htm, .jsonl, .csv files" in result.output


@pytest.mark.slow
def test_extract_writes_the_tables(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    mentions = pd.read_csv(out / "mentions.csv")
    entities = pd.read_csv(out / "entities.csv")
    documents = pd.read_csv(out / "documents.csv")
    linked = mentions.dropna(subset=["entity_id"])
    assert set(linked["entity_id"]) == set(entities["entity_id"])
    assert set(mentions.loc[mentions["entity_id"].isna(), "zone"]) <= {"boilerplate"}  # furniture alone
    assert len(documents) == 2
    assert {"PER", "ORG", "LOC"} <= set(entities["label"])


def test_missing_model_names_the_file_and_the_fix(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(SEEDS), "--out", str(tmp_path), "--models", str(tmp_path)])
    assert result.exit_code == 1
    assert "make train-tokenizer" in result.output and "pip install --force-reinstall entitas" in result.output


@pytest.mark.parametrize("out", ["file.txt/tables", "/proc/entitas-tables"])
def test_an_unwritable_out_is_one_line_before_any_model_loads(tmp_path, out):
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    out = tmp_path / out if not out.startswith("/") else out
    # an empty --models folder: the output is checked first, so the error is about the output
    result = CliRunner().invoke(cli, ["extract", str(SEEDS), "--out", str(out), "--models", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith(f"Error: cannot write to {out}")


def test_a_missing_input_is_found_before_the_models_are_looked_at(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope"), "--models", str(tmp_path)])
    assert result.output.strip() == f"Error: input path does not exist: {tmp_path / 'nope'}"


def test_quiet_and_verbose_after_the_command(tmp_path):
    args = ["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    for flags in (["-q"], ["-v"], ["-vv"], ["--quiet"], ["--verbose"]):
        result = CliRunner().invoke(cli, [*args, *flags])
        assert result.exit_code == 1 and "no such option" not in result.output, flags
    assert CliRunner().invoke(cli, ["evaluate-links", "--help", "-q"]).exit_code == 0


def test_extract_help_says_what_a_jsonl_line_and_a_csv_must_hold():
    help_text = CliRunner().invoke(cli, ["extract", "--help"]).output
    assert 'one JSON object per line, with the text in a "text" field' in help_text
    assert 'a header row with a "text" column' in help_text
    for option in ("--text-field", "--id-field", "--date-field", ".html"):
        assert option in help_text


def test_the_dask_engine_without_dask_is_one_line(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    result = CliRunner().invoke(cli, ["extract", str(SEEDS), "--out", str(tmp_path), "--engine", "dask"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the Dask engine needs Dask: pip install 'entitas[dask]'"


@pytest.mark.slow
def test_a_wholly_cached_run_loads_no_model(tmp_path, monkeypatch, capsys):
    from pipeline import runner
    from pipeline.ingest import iter_input_files, known_document_count, read_files

    args = ["extract", str(SEEDS), "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "loading models..." in first.output
    mentions = (tmp_path / "out" / "mentions.csv").read_bytes()

    def refuse(*args):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(runner, "load_stanza", refuse)
    monkeypatch.setattr(runner, "load_recognizer", refuse)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "loading models..." not in again.output
    assert (tmp_path / "out" / "mentions.csv").read_bytes() == mentions

    files = iter_input_files([SEEDS])  # the progress bar knows its end: 2 files, 2 documents
    engine = runner.Extractor(cache_dir=tmp_path / "out" / ".cache", progress=True)
    engine.extract_to(read_files(files), tmp_path / "bar", total=known_document_count(files))
    assert "2/2" in capsys.readouterr().err


def test_every_command_and_option_is_in_the_readme():
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    for option in cli.params:
        assert all(flag in readme for flag in option.opts), option.opts
    for name, command in cli.commands.items():
        assert f"entitas {name}" in readme, name
        for option in command.params:
            flags = option.opts if option.param_type_name == "option" else []
            assert all(flag in readme for flag in flags if flag.startswith("--")), (name, flags)
        assert "Example:" in command.help, name


@pytest.mark.slow
def test_evaluate_ner_writes_predictions_and_scores(tmp_path):
    import json

    data = tmp_path / "gold.txt"
    data.write_text("Presiden\tO\nJoko\tB-PERSON\nWidodo\tI-PERSON\ntiba\tO\ndi\tO\nJakarta\tB-LOCATION\n.\tO\n\n"
                    "Kantor\tO\nKPK\tB-ORGANIZATION\nsepi\tO\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate-ner", str(data), "--predictions", str(tmp_path / "p.txt"),
                                      "--json", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "p.txt").read_text(encoding="utf-8").split("\n\n")[0].splitlines()
    assert [line.split("\t")[:2] for line in lines][:3] == [["Presiden", "O"], ["Joko", "B-PER"], ["Widodo", "I-PER"]]
    assert lines[1].split("\t")[2] == "B-PER"
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["overall"]["support"] == 3
    assert "overall" in result.output


def test_evaluate_ner_rejects_a_file_without_tags(tmp_path):
    data = tmp_path / "bad.txt"
    data.write_text("just some words\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate-ner", str(data)])
    assert result.exit_code == 1
    assert result.output.startswith("Error:")


@pytest.mark.slow
def test_aliases_forbid_threads_and_cache_through_the_cli(tmp_path, caplog):
    (tmp_path / "aliases.csv").write_text("alias,canonical,label\nHaniyeh,Ismail Haniyeh Abdel,PER\n",
                                          encoding="utf-8")
    (tmp_path / "forbid.csv").write_text("name,other\nTeheran,Tehran\n", encoding="utf-8")
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["extract", str(SEEDS), "--out", str(out), "--aliases", str(tmp_path / "aliases.csv"),
            "--forbid", str(tmp_path / "forbid.csv"), "--threads", "2", "--cache", str(cache)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    mentions = pd.read_csv(out / "mentions.csv", keep_default_na=False)
    entities = pd.read_csv(out / "entities.csv", keep_default_na=False)
    assert set(mentions.loc[mentions["text"] == "Haniyeh", "rule"]) == {"user"}
    assert "Ismail Haniyeh Abdel" in set(entities["canonical"])
    places = entities[entities["canonical"].isin(["Teheran", "Tehran"])]
    assert len(places) == 2  # kept apart by the forbid file
    assert len(list(cache.rglob("*.json"))) == 2 and not (out / ".cache").exists()
    with caplog.at_level("INFO", logger="pipeline"):
        assert CliRunner().invoke(cli, args).exit_code == 0
    assert "2 of 2 documents came from the cache" in caplog.text


def test_a_setting_the_engine_does_not_use_is_named(tmp_path, caplog):
    from pipeline.errors import ModelError
    from pipeline.runner import open_engine

    engine = open_engine("local", tmp_path, workers=3, scheduler="tcp://h:1")
    with caplog.at_level("WARNING"), pytest.raises(ModelError), engine:  # the models folder is empty
        pass
    assert "--workers does not apply to the local engine" in caplog.text
    assert "--scheduler does not apply to the local engine" in caplog.text


def test_every_command_is_reachable_from_the_one_group():
    runner = CliRunner()
    for args in (["bench"], ["evaluate"], ["train", "tokenizer"], ["train", "ner"], ["train", "pretrain"],
                 ["evaluate-links"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, args


@pytest.mark.slow
def test_evaluate_links_through_the_cli(tmp_path):
    import json

    gold = tmp_path / "gold.jsonl"
    records = [{"doc_id": "a", "text": "Presiden Joko Widodo tiba. Widodo tersenyum. Jakarta cerah.",
                "mentions": [["Joko Widodo", "PER", "jokowi"], ["Widodo", "PER", "jokowi"],
                             ["Jakarta", "LOC", "jakarta"]]}]
    gold.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate-links", str(gold), "--json", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert "pairwise precision 1.0000  recall 1.0000" in result.output
    assert json.loads((tmp_path / "s.json").read_text())["gold_pairs"] == 1
    default = CliRunner().invoke(cli, ["evaluate-links"])
    assert default.exit_code == 0 and "linking.jsonl" in default.output


def test_evaluate_ner_names_the_rules_it_can_leave_out(tmp_path):
    data = tmp_path / "gold.txt"
    data.write_text("Joko\tB-PER\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate-ner", str(data), "--without", "no_such_rule"])
    assert result.exit_code == 2 and "with_place_designators" in result.output


@pytest.mark.slow
def test_evaluate_documents_through_the_cli(tmp_path):
    import json

    from pipeline.evaluate import LINKING_GOLD

    out = tmp_path / "s.json"
    result = CliRunner().invoke(cli, ["evaluate-documents", str(LINKING_GOLD), "--split", "all", "--json", str(out)])
    assert result.exit_code == 0, result.output
    scores = json.loads(out.read_text())
    assert scores["mentions"]["overall"]["support"] == 203 and scores["linking"]["wrong_merges"] == 0
    assert "entities per document" in result.output
    without = CliRunner().invoke(cli, ["evaluate-documents", str(LINKING_GOLD), "--split", "all",
                                       "--without", "add_listed_places"])
    assert without.exit_code == 0 and "without add_listed_places" in without.output
