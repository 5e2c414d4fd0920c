"""Actions on Nova (compute) resources."""
