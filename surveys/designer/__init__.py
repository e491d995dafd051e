"""The survey designer: officers create, edit, translate, preview and publish surveys."""
