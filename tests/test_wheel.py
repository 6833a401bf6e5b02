"""The built wheel carries code, licence and models, and runs where no checkout is."""

import fnmatch
import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile

import pytest

from pipeline.tables import write_tables
from tests.conftest import ROOT, SEEDS


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_venv_extracts_the_seeds_from_another_folder(tmp_path, seed_tables):
    """Build the wheel, install it alone (``--no-deps``) into a new venv and run ``entitas
    extract`` from a folder far from the checkout. The venv sees this environment's packages
    through a .pth line (torch is not downloaded again), but not this checkout: the code and
    the models must come from the wheel. `make test-wheel` runs this test."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(dist.glob("entitas-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    models = ROOT / "models"
    with open(ROOT / "pyproject.toml", "rb") as f:  # make pretrain's pieces: inputs of training, not of a run
        left_out = tomllib.load(f)["tool"]["setuptools"]["exclude-package-data"]["entitas_models"]
    shipped = {p.relative_to(models).as_posix() for p in models.rglob("*") if p.is_file()}
    assert {n.removeprefix("entitas_models/") for n in names if n.startswith("entitas_models/")} == \
        {name for name in shipped if not any(fnmatch.fnmatch(name, pattern) for pattern in left_out)}
    assert "ner/spacy/vocab/vectors" in shipped and not any(n.startswith("entitas_models/vectors/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the venv must not see the checkout
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True, env=env)
    # after the install: pip would take this environment's editable entitas for the wheel's
    (venv / purelib / "outer-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([python, "-c", "import pipeline, pipeline.models as m; "
                                          "print(pipeline.__file__); print(m.default_models_dir())"],
                           check=True, capture_output=True, text=True, cwd=elsewhere, env=env).stdout.split()
    assert all(path.startswith(str(venv)) for path in where), where
    result = subprocess.run([venv / "bin" / "entitas", "extract", str(SEEDS), "--out", "tables", "--no-cache"],
                            capture_output=True, text=True, cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    write_tables(seed_tables, tmp_path / "expected")
    for name in ("mentions", "entities", "documents", "document_entities"):
        expected = (tmp_path / "expected" / f"{name}.csv").read_bytes()
        assert (elsewhere / "tables" / f"{name}.csv").read_bytes() == expected, name
