"""Date and time formats of the site (FORMAT_MODULE_PATH): dd/mm/yyyy and 24-hour times in
every language, since Trực Ban is a Vietnamese office's tool, and in the English interface too."""
