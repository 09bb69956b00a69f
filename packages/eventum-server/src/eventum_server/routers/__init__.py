"""One module per router of Eventum's API."""
