// Features stage: see STYLE.md; files land here as the stage is built.
