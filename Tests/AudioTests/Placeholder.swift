// Audio tests land here with the stage.
