// Whisper tests land here with the stage.
