"""Actions on Cinder (block storage) resources."""
