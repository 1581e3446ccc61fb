"""Every Python code block of the README and the documentation runs.

A page is read top to bottom, so its blocks run in order in one namespace:
they are written, in order, into one script that runs in a fresh process in
a temporary folder (snippets write files such as ``digits.skae``). Tracebacks
point into the page itself (``File "README.md", line 60``), and a failure
names the page and the first line of the block that failed.

The blocks that run: Markdown fences ```` ```python ```` (and ``py``,
``python3``) of README.md and docs/*.md, and reST ``.. code-block:: python``
(``code``/``sourcecode``/``testcode``) of docs/*.rst. Interactive blocks
(```` ```pycon ````, ``.. code-block:: pycon``, ``.. doctest::``) run as
doctests in the same namespace, their printed output checked.

* A block with an ``if __name__ == "__main__":`` guard is a complete script
  (the guard is there because it starts processes that import the script,
  as Dask's workers do): it runs as a script file of its own, at its place in
  the page, so that its worker processes import it and not the whole page.
* A block that cannot run here says why in a comment just before it:
  ``<!-- skip-test: reason -->`` in Markdown, ``.. skip-test: reason`` in
  reST (both invisible in the rendered page). Skips are counted in
  ``SKIPS`` below, so a new one is a deliberate change of this file.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"

PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.rst"), *(ROOT / "docs").glob("*.md")]
)

# Skipped blocks per page (each with its reason in the page).
SKIPS = {"README.md": 1, "docs/user_guide.rst": 3}

PYTHON = {"python", "py", "python3"}
PYCON = {"pycon", "doctest"}


@dataclass
class Block:
    page: str  # relative to the repository root
    line: int  # 1-based line of the block's first line of code
    lang: str  # "python" or "pycon"
    code: str
    skip: str = ""  # the reason, for a skipped block

    @property
    def where(self):
        return f"{self.page}:{self.line}"

    @property
    def standalone(self):
        return self.lang == "python" and re.search(
            r"""^if __name__ == ["']__main__["']:""", self.code, re.M) is not None


def _kind(lang):
    lang = lang.lower()
    return "python" if lang in PYTHON else "pycon" if lang in PYCON else None


def markdown_blocks(text, page):
    """The Python and pycon fences of a Markdown page, with their skip markers."""
    lines = text.splitlines()
    blocks, i, previous = [], 0, ""
    while i < len(lines):
        m = re.match(r"^( {0,3})(`{3,}|~{3,})\s*([\w+-]*)", lines[i])
        if not m:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        fence, lang, start = m.group(2), m.group(3), i + 1
        end = start
        while end < len(lines) and not re.match(
                rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[end]):
            end += 1
        kind = _kind(lang)
        if kind:
            skip = re.fullmatch(r"<!--\s*skip-test:\s*(.*?)\s*-->", previous)
            blocks.append(Block(page, start + 1, kind, "\n".join(lines[start:end]) + "\n",
                                skip.group(1) if skip else ""))
        previous, i = "", end + 1
    return blocks


def rst_blocks(text, page):
    """The Python and pycon directives of a reST page, with their skip markers."""
    lines = text.splitlines()
    blocks, i, previous = [], 0, ""
    directive = re.compile(
        r"^(\s*)\.\. (?:(code-block|code|sourcecode)::\s*(\S+)|(testcode|doctest)::.*)\s*$")
    while i < len(lines):
        m = directive.match(lines[i])
        if not m:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        indent = len(m.group(1))
        kind = _kind(m.group(3)) if m.group(2) else (
            "python" if m.group(4) == "testcode" else "pycon")
        j = i + 1
        while j < len(lines) and re.match(rf"^\s{{{indent + 1},}}:[\w-]+:", lines[j]):
            j += 1  # the directive's options
        body = []
        while j < len(lines) and (not lines[j].strip()
                                  or len(lines[j]) - len(lines[j].lstrip()) > indent):
            body.append((j, lines[j]))
            j += 1
        while body and not body[-1][1].strip():
            body.pop()
        while body and not body[0][1].strip():
            body.pop(0)
        if kind and body:
            skip = re.fullmatch(r"\.\. skip-test:\s*(.*?)\s*", previous)
            code = textwrap.dedent("\n".join(line for _, line in body)) + "\n"
            blocks.append(Block(page, body[0][0] + 1, kind, code,
                                skip.group(1) if skip else ""))
        previous, i = "", j
    return blocks


def page_blocks(path):
    page = path.relative_to(ROOT).as_posix()
    extract = markdown_blocks if path.suffix == ".md" else rst_blocks
    return extract(path.read_text(encoding="utf-8"), page)


BLOCKS = {path.relative_to(ROOT).as_posix(): page_blocks(path) for path in PAGES}
RUNNABLE = {page: [b for b in blocks if not b.skip] for page, blocks in BLOCKS.items()}

# The page's script calls this module, written next to it, without binding a
# name: the blocks run in the script's own namespace, as clean as a user's
# (a block that forgets an import fails here too). Markers on stdout say
# which block started and which finished, so a failure names its block and
# the test sees every block run.
RUNNER = '''\
import doctest, subprocess, sys, time

def _main():
    return sys.modules["__main__"]

def start(where):
    global _t0
    _t0 = time.perf_counter()
    if _main().__name__ == "__main__":  # not in a process that imports the script
        print("@@snippet-start " + where, flush=True)

def done(where):
    if _main().__name__ == "__main__":
        print(f"@@snippet-done {where} {time.perf_counter() - _t0:.1f}s", flush=True)

def python(code, path, line):
    exec(compile("\\n" * (line - 1) + code, path, "exec"), _main().__dict__)

def pycon(text, path, line, where):
    test = doctest.DocTestParser().get_doctest(text, _main().__dict__, where, path, line - 1)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=sys.stderr.write, clear_globs=False)
    if runner.failures:
        raise AssertionError(f"{runner.failures} doctest example(s) failed in {where}")

def script(path, where):
    # A complete script, run as one: its worker processes import it.
    proc = subprocess.run([sys.executable, path])
    if proc.returncode:
        raise RuntimeError(f"the script of {where} exited with {proc.returncode}")
'''


def page_script(page, blocks, folder):
    """Write the page's script (and what it runs) to folder; return its path."""
    path = str(ROOT / page)
    name = re.sub(r"[^A-Za-z0-9]+", "_", page)
    (folder / "_snippet_runner.py").write_text(RUNNER, encoding="utf-8")
    run = '__import__("_snippet_runner").'
    lines = []
    for b in blocks:
        lines.append(f"{run}start({b.where!r})")
        if b.standalone:
            script = folder / f"{name}_{b.line}.py"
            # Blank lines first: tracebacks give the line in the page.
            script.write_text("\n" * (b.line - 1) + b.code, encoding="utf-8")
            lines.append(f"{run}script({str(script)!r}, {b.where!r})")
        elif b.lang == "python":
            lines.append(f"{run}python({b.code!r}, {path!r}, {b.line})")
        else:
            lines.append(f"{run}pycon({b.code!r}, {path!r}, {b.line}, {b.where!r})")
        lines.append(f"{run}done({b.where!r})")
    script = folder / f"{name}_snippets.py"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script


def snippet_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    if MNIST.is_file():
        env["SKAE_MNIST"] = str(MNIST)
    return env


def run_blocks(page, blocks, folder, timeout=840):
    """Run blocks as the page's script in folder/cwd: None, or why it failed."""
    work = folder / "cwd"
    work.mkdir(parents=True)
    script = page_script(page, blocks, folder)
    # Its own session, so that a timeout ends the processes it started too.
    proc = subprocess.Popen([sys.executable, str(script)], cwd=work, env=snippet_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        why = f"exit status {proc.returncode}" if proc.returncode else ""
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        why = f"timed out after {timeout} s"
    started = re.findall(r"^@@snippet-start (\S+)$", out, re.M)
    done = re.findall(r"^@@snippet-done (\S+) ", out, re.M)
    if not why and done != [b.where for b in blocks]:
        why = f"only {len(done)} of its {len(blocks)} blocks finished"
    if not why:
        return None
    if len(started) > len(done):
        which = f"the block at line {started[-1].rsplit(':', 1)[1]}"
    else:
        which = "after its last block"
    return f"{page}: {which} failed ({why})\n--- stderr (tail) ---\n{err[-6000:]}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("page", sorted(p for p, b in RUNNABLE.items() if b))
def test_page_snippets_run(page, tmp_path):
    # Fails unless every block ran, in order.
    failure = run_blocks(page, RUNNABLE[page], tmp_path)
    if failure:
        pytest.fail(failure, pytrace=False)


def test_a_failure_names_its_block(tmp_path):
    guarded = 'import sys\n\nif __name__ == "__main__":\n    assert "a" not in globals()\n'
    blocks = [Block("x.md", 3, "python", "a = 1\n"),
              Block("x.md", 7, "pycon", ">>> a + 1\n2\n"),
              Block("x.md", 12, "python", guarded),
              Block("x.md", 20, "python", "assert a == 1\n")]
    assert run_blocks("x.md", blocks, tmp_path / "ok") is None
    blocks[3] = Block("x.md", 20, "python", "b = a + undefined_name\n")
    failure = run_blocks("x.md", blocks, tmp_path / "name")
    assert failure.startswith("x.md: the block at line 20 failed (exit status 1)")
    assert "NameError: name 'undefined_name' is not defined" in failure
    assert 'x.md", line 20' in failure  # the traceback gives the page's line
    wrong_output = Block("x.md", 7, "pycon", ">>> a + 1\n3\n")
    failure = run_blocks("x.md", [blocks[0], wrong_output], tmp_path / "pycon")
    assert failure.startswith("x.md: the block at line 7 failed")
    # A standalone script does not see the page's names.
    in_page = Block("x.md", 12, "python", guarded.replace("not in", "in"))
    failure = run_blocks("x.md", [blocks[0], in_page], tmp_path / "script")
    assert failure.startswith("x.md: the block at line 12 failed")
    # Nothing but the blocks' own names in their namespace.
    clean = Block("x.md", 30, "python", "assert 'sys' not in globals()\n")
    assert run_blocks("x.md", [clean], tmp_path / "clean") is None


def test_blocks_are_found():
    # The pages have Python blocks, and the extractor finds as many as a
    # plain count of their openings.
    assert len(BLOCKS["README.md"]) >= 5
    assert len(BLOCKS["docs/user_guide.rst"]) >= 5
    assert sum(len(b) for b in RUNNABLE.values()) >= 15
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            opening = r"^ {0,3}(?:```|~~~)\s*(?:python|py|python3|pycon)\s*$"
        else:
            opening = (r"^\s*\.\. (?:(?:code-block|code|sourcecode)::\s*"
                       r"(?:python|py|python3|pycon)|testcode::|doctest::)")
        page = path.relative_to(ROOT).as_posix()
        assert len(BLOCKS[page]) == len(re.findall(opening, text, re.M | re.I)), page
        for b in BLOCKS[page]:
            assert b.code.strip(), b.where


def test_skips_are_rare_and_explained():
    skipped = {page: [b for b in blocks if b.skip] for page, blocks in BLOCKS.items()}
    assert {page: len(b) for page, b in skipped.items() if b} == SKIPS
    for blocks in skipped.values():
        for b in blocks:
            assert len(b.skip.split()) >= 3, f"{b.where}: say why it is skipped"


def test_no_python_hides_from_the_extractor():
    # Unlabelled fences, bare reST literal blocks ("::") and doctest
    # paragraphs would render Python that never runs here.
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        page = path.relative_to(ROOT).as_posix()
        pycon = [b for b in BLOCKS[page] if b.lang == "pycon"]
        prompts = len(re.findall(r"^\s*>>> ", text, re.M))
        assert prompts == sum(len(re.findall(r"^>>> ", b.code, re.M)) for b in pycon), page
        if path.suffix == ".md":
            fences = re.findall(r"^ {0,3}(?:```|~~~)(.*)$", text, re.M)
            # Openings and closings alternate; every opening names a language.
            assert all(f.strip() for f in fences[::2]), page
            assert not any(f.strip() for f in fences[1::2]), page
        else:
            bare = re.findall(r"^(?!\s*\.\. ).*::\s*$", text, re.M)
            assert bare == [], f"{page}: use '.. code-block:: LANG' for {bare}"
            unnamed = re.findall(r"^\s*\.\. (?:code-block|code|sourcecode)::\s*$", text, re.M)
            assert unnamed == [], f"{page}: name the language of every code block"


def test_extractor_reads_both_formats():
    md = textwrap.dedent("""\
        Text.

        ```python
        a = 1
        ```

        ```bash
        echo no
        ```

        <!-- skip-test: needs a cluster of machines -->
        ```python
        b = 2
        ```

        ```pycon
        >>> a + 1
        2
        ```
        """)
    got = markdown_blocks(md, "x.md")
    assert [(b.line, b.lang, b.code, b.skip) for b in got] == [
        (4, "python", "a = 1\n", ""),
        (13, "python", "b = 2\n", "needs a cluster of machines"),
        (17, "pycon", ">>> a + 1\n2\n", ""),
    ]
    rst = textwrap.dedent("""\
        Title
        =====

        .. code-block:: python
           :caption: one

           if a:
               b = 1

           c = 2

        .. code-block:: bash

           echo no

        .. skip-test: needs a cluster of machines

        .. code-block:: python

           d = 3

        * item

          .. code-block:: pycon

             >>> 1 + 1
             2
        text
        """)
    got = rst_blocks(rst, "x.rst")
    assert [(b.line, b.lang, b.code, b.skip) for b in got] == [
        (7, "python", "if a:\n    b = 1\n\nc = 2\n", ""),
        (20, "python", "d = 3\n", "needs a cluster of machines"),
        (26, "pycon", ">>> 1 + 1\n2\n", ""),
    ]
    guarded = Block("x.md", 1, "python", 'import os\n\nif __name__ == "__main__":\n    pass\n')
    assert guarded.standalone and not got[0].standalone
