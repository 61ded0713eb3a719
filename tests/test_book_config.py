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
    assert launch["colab_url"] == "https://colab.research.google.com", "Colab launch button"
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


def _constraints() -> dict[str, str]:
    """Package name -> exact version of constraints.txt."""
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            out[_name(name)] = version.strip()
    return out


def test_pyproject_states_ranges_that_hold_the_pinned_versions():
    from packaging.requirements import Requirement

    project = _pyproject()["project"]
    pins = _constraints()
    for spec in project["dependencies"] + project["optional-dependencies"]["book"]:
        req = Requirement(spec)
        assert "==" not in str(req.specifier), f"pyproject.toml must state a range: {spec!r}"
        assert "<" in str(req.specifier), f"{spec!r} needs an upper bound (next major)"
        name = _name(req.name)
        assert name in pins, f"constraints.txt does not pin {name}"
        assert req.specifier.contains(pins[name]), f"constraints.txt's {name} outside {spec!r}"


def test_constraints_install_on_any_python_311():
    """A laptop's Python 3.11 may be 3.11.2 (Debian 12): no pin may need a newer 3.11.x."""
    from importlib.metadata import PackageNotFoundError, metadata

    from packaging.specifiers import SpecifierSet

    too_new = []
    for name, version in _constraints().items():
        try:
            meta = metadata(name)
        except PackageNotFoundError:
            continue
        if meta["Version"].split("+")[0] == version:
            requires = SpecifierSet(meta.get("Requires-Python") or "")
            if not requires.contains("3.11.0"):
                too_new.append(f"{name}=={version} (Python {requires})")
    assert not too_new, f"constraints.txt pins versions that need a newer Python: {too_new}"


def test_environment_yml_pins_follow_constraints():
    """Binder gets the book's versions where conda-forge has them, else a release of the same
    major version within pyproject.toml's range."""
    from packaging.requirements import Requirement

    pins = _constraints()
    project = _pyproject()["project"]
    reqs = map(Requirement, project["dependencies"] + project["optional-dependencies"]["book"])
    ranges = {_name(r.name): r.specifier for r in reqs}
    env = load_yaml("environment.yml")
    assert "nodejs" not in _environment(), "Binder needs no Node.js"
    assert "jupyterlab-myst" in _environment(), "MyST roles must render in JupyterLab"
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    pypi = {v: k for k, v in CONDA_NAME.items()}
    for name, spec in conda.items():
        m = re.fullmatch(r"[\w.\-]+=(\d+)\.(\d+)\.([\w.]+)(=.*)?", spec)
        if name in ("python", "pip") or pypi.get(name, name) not in pins:
            continue
        assert m, f"environment.yml must pin {spec!r} exactly (checked on conda-forge)"
        pinned = pins[pypi.get(name, name)]
        assert m.group(1) == pinned.split(".")[0], f"{spec!r} vs constraints.txt {pinned}"
        version = spec.split("=")[1]
        if pypi.get(name, name) in ranges:
            assert ranges[pypi.get(name, name)].contains(version), f"{spec!r} vs pyproject.toml"
    for spec in next(d["pip"] for d in env["dependencies"] if isinstance(d, dict)):
        name, version = spec.split("==")
        assert pins[_name(name)] == version, f"{spec!r} must match constraints.txt"
    torch = conda["pytorch"]
    assert torch.startswith(f"pytorch={pins['torch']}=") and "cpu" in torch, torch
    assert "pytorch" not in env["channels"], "use conda-forge"


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
    assert text.startswith("#!") and "pip install --no-deps -c constraints.txt -e ." in text
    assert "python scripts/prepare_data.py" in text, "Binder sessions start with the data"
    assert "fetch_js" not in text and "npm" not in text


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
    # Pages permissions on the deploy job alone, which runs from release tags only (the Colab cell
    # installs the package at the book's tag)
    assert wf["permissions"] == {"contents": "read"}
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert "permissions" not in build
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["if"] == "startsWith(github.ref, 'refs/tags/v')"
    # CPU torch, and the MIT-BIH download cached between runs
    assert build["env"]["TSCAM_TORCH_INDEX"] == "https://download.pytorch.org/whl/cpu"
    cpu_index = re.search(r'^cpu_index="(.+)"$', (ROOT / "scripts/setup_env.sh").read_text(), re.M)
    assert cpu_index and cpu_index.group(1) == build["env"]["TSCAM_TORCH_INDEX"]
    caches = [s["with"]["path"] for s in build["steps"] if "actions/cache" in s.get("uses", "")]
    assert build["env"]["TSCAM_CACHE"].endswith("/.cache/tscam") and ".cache/tscam" in caches


def test_ci_workflow_runs_make_test_on_pushes_and_pull_requests():
    wf = load_yaml(".github/workflows/ci.yml")
    on = wf.get("on", wf.get(True))
    assert "push" in on and "pull_request" in on
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    assert runs[-1] == "make test"
    assert any("npm" in r for r in runs), "npm vendors the JavaScript the browser test checks"
    env = "\n".join(runs)
    assert "TSCAM_CACHE=$GITHUB_WORKSPACE/.cache/tscam" in env
    assert "TSCAM_MITDB=$GITHUB_WORKSPACE/.cache/tscam/mitdb" in env
    assert any(s.get("uses", "").startswith("actions/cache") and
               s["with"]["path"] == ".cache/tscam" for s in job["steps"])  # fmt: skip


def test_licences_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-TEXT.md").read_text()


def test_postbuild_still_builds_the_image_when_the_download_fails(tmp_path):
    """PhysioNet unreachable at build time: postBuild says so and succeeds (the session then
    downloads on first use). The download is real, against a loopback port where nothing
    listens; only `pip install` is a stand-in that records its arguments."""
    import socket
    import subprocess
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pip").write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/pip-args"\n')
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    for tool in ("pip", "python"):
        (bin_dir / tool).chmod(0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("TSCAM_MITDB", "CI")}
    env.update(
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        TSCAM_CACHE=str(tmp_path / "cache"),
        TSCAM_MITDB_URL=f"http://127.0.0.1:{port}/files/mitdb/1.0.0/",
    )
    out = subprocess.run(
        ["bash", str(ROOT / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "pip-args").read_text().split() == [
        "install", "--no-deps", "-c", "constraints.txt", "-e", ".",
    ]  # fmt: skip
    assert f"127.0.0.1:{port}" in out.stderr, "the failure is shown"
    warning = [line for line in out.stderr.splitlines() if line.startswith("postBuild:")]
    assert len(warning) == 1 and "first use" in warning[0], out.stderr
    assert not list((tmp_path / "cache").rglob("*.npz")), "no beats without data"
