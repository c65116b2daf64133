"""One module per `shoebox` subcommand; each is thin and calls the library."""
