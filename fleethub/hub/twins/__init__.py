"""Device and module twins: tags, desired and reported properties."""
