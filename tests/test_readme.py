"""The README's complete test examples run as pasted: each ```python block that starts with its own
imports and defines a ``test_`` function is written to a file and run by pytest with the stripe_fake
plugin, as a user would run it. (Fragments that rely on names from the text around them are not run.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _runnable(block: str) -> bool:
    """A complete test module: its own imports first (all installed here: ``myshop`` is the
    reader's app, not ours), and at least one test function."""
    if not re.match(r"(import|from) ", block) or not re.search(r"^(async )?def test_", block, re.M):
        return False
    modules = re.findall(r"^(?:import|from) (\w+)", block, re.M)
    return all(importlib.util.find_spec(name) is not None for name in modules)


BLOCKS = [block for block in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if _runnable(block)]


def test_the_readme_has_test_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_passes(pytester: pytest.Pytester, block: str) -> None:
    pytester.makepyfile(test_example=block)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=len(re.findall(r"^(?:async )?def test_", block, re.M)))
