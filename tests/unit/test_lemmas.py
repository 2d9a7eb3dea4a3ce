from graphmem.text import lemma, stem


def test_words_meet_in_their_dictionary_forms():
    assert lemma("Parties") == lemma("party") == "party"
    assert lemma("children") == "child" and lemma("mice") == "mouse"
    assert lemma("felt") == lemma("feeling") == lemma("feels") == "feel"
    assert lemma("painting") == lemma("painted") == lemma("paints") == "paint"
    assert lemma("lives") == lemma("living") == "live"


def test_names_stop_words_and_possessives():
    assert lemma("Texas") == "texas" and lemma("James") == "james"  # unknown words stay whole
    assert lemma("was") == "was" and lemma("does") == "does"  # stop words stay stop words
    assert lemma("Priya's") == "priya" and lemma("don’t") == "don"


def test_stems_meet_across_derived_forms_too():
    assert stem("weekly") == stem("week") and lemma("weekly") != lemma("week")
    assert stem("organization") == stem("organizing") == stem("organized")
    assert stem("felt") == stem("feeling")  # the lemma first: irregular forms meet
    assert stem("was") == "was"
