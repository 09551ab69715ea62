// SLU tests land here with the stage.
