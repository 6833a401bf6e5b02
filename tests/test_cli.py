import pandas as pd
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
    assert "no .txt, .jsonl or .csv files" in result.output


def test_extract_writes_the_tables(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    mentions = pd.read_csv(out / "mentions.csv")
    entities = pd.read_csv(out / "entities.csv")
    documents = pd.read_csv(out / "documents.csv")
    assert set(mentions["entity_id"]) == set(entities["entity_id"])
    assert len(documents) == 2
    assert {"PER", "ORG", "LOC"} <= set(entities["label"])


def test_missing_model_names_the_file_and_the_fix(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(SEEDS), "--out", str(tmp_path), "--models", str(tmp_path)])
    assert result.exit_code == 1
    assert "make train-tokenizer" in result.output


def test_every_command_is_in_the_readme():
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"entitas {name}" in readme, name
