"""The privacy office's incident work: evidence hold, scoping, attribution, APPI documents."""
