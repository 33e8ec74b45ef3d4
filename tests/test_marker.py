"""``@pytest.mark.stripe_fake(...)`` at function, class and module level (run in a pytester sandbox)."""

from __future__ import annotations

import pytest

CONFTEST = """
import pytest, stripe

@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setattr(stripe, "api_key", "sk_test_marker")
"""


@pytest.fixture
def sandbox(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester


def test_function_marker_configures_the_fixture(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(
        """
        import pytest, stripe

        @pytest.mark.stripe_fake(record_requests=False, processing_delay=30)
        def test_marked(stripe_fake):
            assert stripe_fake.config.processing_delay == 30
            stripe.Customer.create()
            assert stripe_fake.requests == []  # the option took effect

        def test_unmarked(stripe_fake):
            assert stripe_fake.config.processing_delay == 0
            stripe.Customer.create()
            assert len(stripe_fake.requests) == 1
        """
    )
    sandbox.runpytest().assert_outcomes(passed=2)


def test_class_marker_applies_to_every_method_and_function_marker_wins(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(
        """
        import pytest

        @pytest.mark.stripe_fake(processing_delay=10, record_requests=False)
        class TestDelayed:
            def test_inherits(self, stripe_fake):
                assert stripe_fake.config.processing_delay == 10
                assert stripe_fake.config.record_requests is False

            @pytest.mark.stripe_fake(processing_delay=99)
            def test_overrides_one_option(self, stripe_fake):
                assert stripe_fake.config.processing_delay == 99
                assert stripe_fake.config.record_requests is False  # still from the class
        """
    )
    sandbox.runpytest().assert_outcomes(passed=2)


def test_module_marker_is_overridden_by_class_then_function(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.stripe_fake(processing_delay=1)

        def test_module_level(stripe_fake):
            assert stripe_fake.config.processing_delay == 1

        @pytest.mark.stripe_fake(processing_delay=2)
        class TestClass:
            def test_class_level(self, stripe_fake):
                assert stripe_fake.config.processing_delay == 2

            @pytest.mark.stripe_fake(processing_delay=3)
            def test_function_level(self, stripe_fake):
                assert stripe_fake.config.processing_delay == 3
        """
    )
    sandbox.runpytest().assert_outcomes(passed=3)


def test_unknown_option_is_an_error_naming_the_valid_ones(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(
        """
        import pytest

        @pytest.mark.stripe_fake(procesing_delay=5)
        def test_typo(stripe_fake):
            pass

        @pytest.mark.stripe_fake(5)
        def test_positional(stripe_fake):
            pass
        """
    )
    result = sandbox.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*Unknown StripeFake option(s): procesing_delay. Valid options: *processing_delay*"]
    )
    result.stdout.fnmatch_lines(["*stripe_fake takes keyword options only*"])


def test_marker_is_registered(sandbox: pytest.Pytester) -> None:
    result = sandbox.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.stripe_fake(**options)*"])
    sandbox.makepyfile(
        """
        import pytest

        @pytest.mark.stripe_fake(processing_delay=0)
        def test_strict(stripe_fake):
            pass
        """
    )
    sandbox.runpytest("--strict-markers").assert_outcomes(passed=1)
