// LLM tests land here with the stage.
