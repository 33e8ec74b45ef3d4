"""Test clocks (``/v1/test_helpers/test_clocks``): Stripe's own time travel, run synchronously.

A test clock is a clock id on the scheduler: jobs of objects on a clock (``clock="clock_..."``) sit
in the clock's own heap and run only when the clock is advanced, each at its own due time, with the
clock's ``frozen_time`` moved to that time first (see ``TestClockStore.advance``).
"""
