"""Actions on Glance (image) resources."""
