"""Saving and loading: atomic writes (:mod:`.atomic`), the document form of every saved type (:mod:`.codec`)
and the project file (:mod:`.project`)."""
