"""The book's frame: _config.yml, _toc.yml, environment.yml vs pyproject.toml, postBuild, the
two README commands, CI and the publishing workflow."""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest
from book_support import ROOT, load_yaml, notebooks, source_of, toc_docnames

# PyPI name -> the conda-forge package that provides it (where the names differ).
CONDA_NAME = {"torch": "pytorch", "matplotlib": "matplotlib-base"}


def _name(requirement: str) -> str:
    """Normalised distribution name of a PEP 508 requirement or a conda match spec."""
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement)
    assert m, f"cannot read a package name from {requirement!r}"
    return re.sub(r"[-_.]+", "-", m.group(1)).lower()


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _environment() -> dict[str, str]:
    """Package name -> spec of every dependency in environment.yml (conda and pip)."""
    env = load_yaml("environment.yml")
    out = {}
    for dep in env["dependencies"]:
        specs = dep["pip"] if isinstance(dep, dict) else [dep]
        for spec in specs:
            out[_name(spec)] = str(spec)
    return out


# --- _config.yml ------------------------------------------------------------------------------


def test_config_has_the_required_settings():
    cfg = load_yaml("_config.yml")
    assert cfg["title"] == "Grad-CAM in Time-Series Classification"
    assert cfg["author"] == "The tscam developers"
    assert cfg["only_build_toc_files"] is True
    ex = cfg["execute"]
    assert ex["execute_notebooks"] == "cache"
    assert ex["allow_errors"] is False and ex["timeout"] >= 300
    sphinx = cfg["sphinx"]["config"]
    assert sphinx["nb_execution_raise_on_error"] is True
    assert sphinx["intersphinx_mapping"] == {}, "intersphinx would fetch inventories at build"
    for bib in cfg["bibtex_bibfiles"]:
        assert (ROOT / bib).is_file(), f"missing bibliography {bib}"
    assert "book/references.bib" in cfg["bibtex_bibfiles"]
    launch = cfg["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["notebook_interface"] == "jupyterlab"
    repo = cfg["repository"]
    assert repo["url"] == "https://github.com/tscam-course/tscam" and repo["branch"] == "main"
    assert cfg["html"]["use_repository_button"] and cfg["html"]["use_issues_button"]


def test_config_loads_no_javascript_from_cdns():
    sphinx = load_yaml("_config.yml")["sphinx"]["config"]
    assets = [*sphinx["nb_ipywidgets_js"], sphinx["mathjax_path"]]
    remote = [a for a in assets if "://" in a]
    assert not remote, f"the book must not load JavaScript from CDNs: {remote}"
    assert sphinx["html_static_path"] == ["book/_static"]
    fetch = (ROOT / "scripts" / "fetch_js.sh").read_text()
    for asset in assets:  # vendored by scripts/fetch_js.sh, or a file of the repository
        if asset.startswith("vendor/"):
            assert asset.split("/")[-1] in fetch or asset.split("/")[1] in fetch, asset
        else:
            assert (ROOT / "book" / "_static" / asset).is_file(), asset


# --- _toc.yml ---------------------------------------------------------------------------------


def test_toc_root_and_every_entry_exists():
    docs = toc_docnames()
    assert docs[0] == "book/intro"
    missing = [d for d in docs if source_of(d) is None]
    assert not missing, f"_toc.yml entries without a file: {missing}"
    dup = [d for d, n in Counter(docs).items() if n > 1]
    assert not dup, f"_toc.yml lists these more than once: {dup}"
    for page in ("book/how_to_use", "book/references"):
        assert page in docs


def test_every_notebook_is_in_the_toc_exactly_once():
    listed = Counter(
        str(source_of(d).relative_to(ROOT)) for d in toc_docnames() if source_of(d) is not None
    )
    for nb in notebooks():
        rel = str(nb.relative_to(ROOT))
        assert listed[rel] == 1, f"{rel} appears {listed[rel]} times in _toc.yml (must be once)"


# --- environment.yml vs pyproject.toml --------------------------------------------------------


def test_environment_yml_covers_pyproject():
    project = _pyproject()["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["book"]
    env = _environment()
    missing = [r for r in wanted if CONDA_NAME.get(_name(r), _name(r)) not in env]
    assert not missing, f"environment.yml lacks these dependencies of pyproject.toml: {missing}"


def test_torch_versions_agree():
    torch_req = next(r for r in _pyproject()["project"]["dependencies"] if _name(r) == "torch")
    m = re.search(r"==\s*(\d+)\.(\d+)", torch_req)
    assert m, f"pyproject.toml should pin torch exactly, got {torch_req!r}"
    conda = _environment()["pytorch"]
    m2 = re.search(r"pytorch\s*=+\s*(\d+)\.(\d+)", conda)
    assert m2 and m2.groups() == m.groups(), (
        f"environment.yml has {conda!r} but pyproject.toml pins {torch_req!r}"
    )
    assert "cpu" in conda, f"Binder must get the CPU build of PyTorch: {conda!r}"
    assert "pytorch" not in load_yaml("environment.yml")["channels"], "use conda-forge"


def test_environment_python_satisfies_requires_python():
    spec = _environment()["python"]
    env_py = tuple(int(x) for x in re.search(r"(\d+)\.(\d+)", spec).groups())
    low = re.search(r">=\s*(\d+)\.(\d+)", _pyproject()["project"]["requires-python"])
    assert env_py >= tuple(int(x) for x in low.groups())


# --- set-up, commands, CI, publishing ---------------------------------------------------------


def test_postbuild_is_executable_and_installs_the_package():
    path = ROOT / "postBuild"
    assert os.access(path, os.X_OK), "postBuild must be executable (chmod +x postBuild)"
    text = path.read_text()
    assert text.startswith("#!") and "pip install --no-deps -e ." in text


def test_scripts_are_strict_bash():
    paths = [*sorted((ROOT / "scripts").glob("*.sh")), ROOT / ".ci" / "run", ROOT / "postBuild"]
    for path in paths:
        text = path.read_text()
        assert text.startswith("#!/usr/bin/env bash"), path
        assert "set -euo pipefail" in text, f"{path.name} must `set -euo pipefail`"


def test_makefile_has_the_two_readme_commands():
    text = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", text, re.M))
    assert {"book", "test", "setup", "strip"} <= targets
    assert re.search(r"^BOOK_FLAGS := -W -n --keep-going$", text, re.M), "strict build flags"
    # `make test` is the list of its steps, each a target with its own recipe
    test_line = re.search(r"^test:(.*)$", text, re.M)
    assert test_line and test_line.group(1).split() == ["lint", "book", "browser", "pytest"]
    assert "\ntest:" + test_line.group(1) + "\n\n" in text, "test: no recipe of its own"
    assert re.search(r"^\.NOTPARALLEL:", text, re.M), "the steps run in order"

    def recipe_of(target: str) -> str:
        return text.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]

    assert "scripts/setup_env.sh" in recipe_of("setup")
    lint = recipe_of("lint")
    assert "ruff check $(LINT_PATHS)" in lint and "ruff format --check $(LINT_PATHS)" in lint
    paths = re.search(r"^LINT_PATHS := (.*)$", text, re.M).group(1).split()
    assert paths == ["src", "tests", "benchmarks", "scripts", "book/_ext"]
    assert "scripts/install_browser.sh" in recipe_of("browser")
    assert recipe_of("pytest").startswith(" setup data") and "pytest" in recipe_of("pytest")
    assert "nbstripout" in text and "$(STRIP) notebooks/*.ipynb" in recipe_of("strip")
    book_recipe = text.split("\nbook:", 1)[1].split("\n\n", 1)[0]
    assert book_recipe.startswith(" setup data")
    assert "jupyter-book build . $(BOOK_FLAGS)" in book_recipe


def test_ci_runs_make_test_with_the_local_data():
    path = ROOT / ".ci" / "run"
    assert os.access(path, os.X_OK)
    text = path.read_text()
    assert "TSCAM_MITDB" in text and "../shared/data/mitdb" in text
    assert re.search(r"^make test$", text, re.M)


def test_publishing_workflow():
    wf = load_yaml(".github/workflows/book.yml")
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout") for u in uses)
    assert any(u.startswith("actions/setup-python") for u in uses)
    assert any(u.startswith("actions/cache") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert any(s.get("run") == "make book" for s in steps)


def test_licences_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-TEXT.md").read_text()
