"""Bad input, one test per case: each pins the exact status and error type."""
