// HarkCLI tests land here with the stage.
