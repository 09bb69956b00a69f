"""Application mode (`eventum run`): settings, startup.yml, supervised generators, services."""
