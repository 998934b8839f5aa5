"""Local-only tools (embedded database, event runner); kept out of the image by .dockerignore."""
