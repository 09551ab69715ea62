// Features tests land here with the stage.
