"""Form sets shared by a network: signed packages, installation in an instance, readable comparison."""
