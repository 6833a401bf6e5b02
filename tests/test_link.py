from pipeline.ingest import make_document
from pipeline.link import is_variant, link, split_role
from pipeline.types import Mention, ProcessedDocument


def mentions_in(doc_id, text, spans):
    """Mentions for (surface, label) pairs, each found after the previous one."""
    found, position = [], 0
    for surface, label in spans:
        start = text.index(surface, position)
        found.append(Mention(doc_id, 0, start, start + len(surface), surface, label))
        position = start + 1
    return found


def processed(doc_id, text, spans, clitics=()):
    return ProcessedDocument(make_document(doc_id, "mem", text), ((0, len(text)),), len(text.split()),
                             clitics, tuple(mentions_in(doc_id, text, spans)))


def run_link(docs):
    linked, entities = link([processed(doc_id, text, spans) for doc_id, text, spans in docs])
    return {(lm.mention.doc_id, lm.mention.text): lm for lm in linked}, {e.entity_id: e for e in entities}


TEXT = ("Komandan Korps Pengawal Revolusi Islam (IRGC) Iran, Mayjen Hossein Salami berbicara. "
        "Salami menelepon Ismail Haniyeh. Haniyeh berterima kasih. IRGC mendukung Hamas.")
SPANS = [("Korps Pengawal Revolusi Islam (IRGC)", "ORG"), ("Iran", "LOC"), ("Mayjen Hossein Salami", "PER"),
         ("Salami", "PER"), ("Ismail Haniyeh", "PER"), ("Haniyeh", "PER"), ("IRGC", "ORG"), ("Hamas", "ORG")]


def test_titles_surnames_and_acronyms_link_within_a_document():
    linked, entities = run_link([("d1", TEXT, SPANS)])
    salami = linked[("d1", "Mayjen Hossein Salami")]
    assert salami.role == "Mayjen" and salami.name == "Hossein Salami"
    assert linked[("d1", "Salami")].entity_id == salami.entity_id
    assert linked[("d1", "Salami")].rule == "short-name"
    assert linked[("d1", "Haniyeh")].entity_id == linked[("d1", "Ismail Haniyeh")].entity_id
    irgc = linked[("d1", "IRGC")]
    assert irgc.entity_id == linked[("d1", "Korps Pengawal Revolusi Islam (IRGC)")].entity_id
    assert irgc.rule == "acronym"
    assert entities[irgc.entity_id].canonical == "Korps Pengawal Revolusi Islam"
    assert "IRGC" in entities[irgc.entity_id].aliases
    assert entities[salami.entity_id].canonical == "Hossein Salami"


def test_a_surname_shared_by_two_full_names_is_not_forced():
    text = "Joko Widodo dan Iriana Widodo hadir. Widodo tersenyum."
    linked, _ = run_link([("d", text, [("Joko Widodo", "PER"), ("Iriana Widodo", "PER"), ("Widodo", "PER")])])
    assert linked[("d", "Widodo")].entity_id not in {
        linked[("d", "Joko Widodo")].entity_id, linked[("d", "Iriana Widodo")].entity_id}


def test_same_name_across_documents_has_one_stable_id():
    docs = [("a", "Teheran menolak.", [("Teheran", "LOC")]), ("b", "Di Teheran.", [("Teheran", "LOC")])]
    first, _ = run_link(docs)
    again, _ = run_link(docs)
    assert first[("a", "Teheran")].entity_id == first[("b", "Teheran")].entity_id
    assert first[("a", "Teheran")].entity_id == again[("a", "Teheran")].entity_id


def test_labels_keep_entities_apart():
    text = "Gaza diserang. Gaza menolak."
    linked, entities = link([processed("d", text, [("Gaza", "LOC"), ("Gaza", "ORG")])])
    assert linked[0].entity_id != linked[1].entity_id
    assert sorted(e.label for e in entities) == ["LOC", "ORG"]


def test_spelling_variants_and_roles():
    assert is_variant("teheran", "tehran")
    assert not is_variant("ismail", "esmail")
    assert split_role(["Presiden", "Joko", "Widodo"]) == (["Presiden"], ["Joko", "Widodo"])
    assert split_role(["Presiden"]) == ([], ["Presiden"])


def test_role_written_before_the_mention_is_kept():
    text = "Menteri Luar Negeri Retno Marsudi tiba. Retno Marsudi tersenyum."
    linked, _ = run_link([("d", text, [("Retno Marsudi", "PER")])])
    assert linked[("d", "Retno Marsudi")].role == "Menteri Luar Negeri"


def test_acronym_before_its_long_form():
    text = "IRGC (Korps Pengawal Revolusi Islam) menyerang. Korps Pengawal Revolusi Islam kuat. IRGC juga."
    linked, entities = run_link([("d", text, [("IRGC", "ORG"), ("Korps Pengawal Revolusi Islam", "ORG")])])
    assert linked[("d", "IRGC")].entity_id == linked[("d", "Korps Pengawal Revolusi Islam")].entity_id
    assert entities[linked[("d", "IRGC")].entity_id].canonical == "Korps Pengawal Revolusi Islam"


def test_company_suffix_in_parentheses_is_not_an_acronym():
    text = "PT Pertamina (Persero) naik. Persero lain turun."
    linked, _ = run_link([("d", text, [("PT Pertamina", "ORG"), ("Persero", "ORG")])])
    assert linked[("d", "Persero")].entity_id != linked[("d", "PT Pertamina")].entity_id


def test_transliteration_variants_merge_but_different_people_do_not():
    text = "Hizbullah dan Hezbollah. Ismail Haniyeh bertemu Esmail Qaani. Ismail dan Esmail."
    spans = [("Hizbullah", "ORG"), ("Hezbollah", "ORG"), ("Ismail Haniyeh", "PER"), ("Esmail Qaani", "PER")]
    linked, _ = run_link([("d", text, spans)])
    assert linked[("d", "Hizbullah")].entity_id == linked[("d", "Hezbollah")].entity_id
    assert linked[("d", "Hezbollah")].rule == "variant"
    assert linked[("d", "Ismail Haniyeh")].entity_id != linked[("d", "Esmail Qaani")].entity_id


def test_hyphens_and_case_do_not_split_a_name():
    text = "Yerusalem al-Quds dan Yerusalem Al Quds."
    linked, _ = link([processed("d", text, [("Yerusalem al-Quds", "LOC"), ("Yerusalem Al Quds", "LOC")])])
    assert linked[0].entity_id == linked[1].entity_id


def test_an_acronym_with_two_meanings_does_not_join_documents():
    docs = [
        ("a", "Mahkamah Konstitusi (MK) memutus. MK tegas.", [("Mahkamah Konstitusi", "ORG"), ("MK", "ORG")]),
        ("b", "Majelis Kehormatan (MK) bersidang. MK diam.", [("Majelis Kehormatan", "ORG"), ("MK", "ORG")]),
        ("c", "Mahkamah Konstitusi (MK) lagi.", [("Mahkamah Konstitusi", "ORG")]),
    ]
    linked, _ = run_link(docs)
    assert linked[("a", "MK")].entity_id == linked[("a", "Mahkamah Konstitusi")].entity_id
    assert linked[("b", "MK")].entity_id == linked[("b", "Majelis Kehormatan")].entity_id
    assert linked[("a", "Mahkamah Konstitusi")].entity_id != linked[("b", "Majelis Kehormatan")].entity_id
    assert linked[("a", "Mahkamah Konstitusi")].entity_id == linked[("c", "Mahkamah Konstitusi")].entity_id


def test_clitic_is_not_part_of_the_name():
    text = "Jakarta macet. Jakartanya sepi."
    end = text.index("Jakartanya") + 10
    linked, _ = link([processed("d", text, [("Jakarta", "LOC"), ("Jakartanya", "LOC")], clitics=((end, end - 3),))])
    assert linked[0].entity_id == linked[1].entity_id
    assert linked[1].name == "Jakarta"


def test_variants_join_across_documents():
    docs = [("a", "Tehran, Purna Warta.", [("Tehran", "LOC")]), ("b", "Teheran menolak.", [("Teheran", "LOC")])]
    linked, entities = run_link(docs)
    assert linked[("a", "Tehran")].entity_id == linked[("b", "Teheran")].entity_id
    assert len(entities) == 1


def test_place_designators_and_organisation_short_names():
    text = ("Persib Bandung menang di Bandung. Pelatih Persib senang. Banjir merendam Kota Bekasi. "
            "Wali Kota Bekasi Tri Adhianto meninjau Bekasi Timur. Di Bekasi air surut.")
    spans = [("Persib Bandung", "ORG"), ("Bandung", "LOC"), ("Persib", "ORG"), ("Kota Bekasi", "LOC"),
             ("Bekasi", "LOC"), ("Tri Adhianto", "PER"), ("Bekasi Timur", "LOC"), ("Bekasi", "LOC")]
    linked, _ = link([processed("d", text, spans)])
    ids = [lm.entity_id for lm in linked]
    assert ids[2] == ids[0]  # Persib -> Persib Bandung
    assert ids[1] != ids[0]  # the city is not the club
    assert ids[4] == ids[3] == ids[7]  # Bekasi -> Kota Bekasi
    assert ids[6] != ids[3]  # Bekasi Timur is another place
    assert linked[5].role == "Wali Kota Bekasi"


def test_short_name_prefers_the_full_name_written_before_it():
    text = "Presiden Joko Widodo datang. Widodo tersenyum. Ibu Iriana Joko Widodo ikut."
    linked, _ = run_link([("d", text, [("Joko Widodo", "PER"), ("Widodo", "PER"), ("Iriana Joko Widodo", "PER")])])
    assert linked[("d", "Widodo")].entity_id == linked[("d", "Joko Widodo")].entity_id
    assert linked[("d", "Iriana Joko Widodo")].entity_id != linked[("d", "Joko Widodo")].entity_id


def test_place_names_keep_words_that_are_titles_for_people():
    text = "Di lingkungan Sheikh Jarrah."
    linked, _ = run_link([("d", text, [("Sheikh Jarrah", "LOC")])])
    assert linked[("d", "Sheikh Jarrah")].name == "Sheikh Jarrah"


def test_linking_gold_set_scores(extractor):
    """The project's linking set (pipeline/gold/linking.jsonl), with the real tokenizer."""
    from pipeline.evaluate import LINKING_GOLD, evaluate_links, read_link_gold

    gold = read_link_gold(LINKING_GOLD)
    scores, errors = evaluate_links(extractor.stanza, gold)
    assert scores["precision"] == 1.0, [e for e in errors if e[0] == "wrong"]
    assert scores["recall"] >= 0.95, errors


def test_forbidden_merges_hold_for_acronyms_and_across_documents():
    from pipeline.link import LinkSettings

    settings = LinkSettings(forbidden=frozenset({frozenset({"bin", "badan intelijen negara"}),
                                                 frozenset({"kota teheran", "tehran"})}))
    text = "Badan Intelijen Negara (BIN) bekerja. BIN diam."
    linked, _ = link([processed("d", text, [("Badan Intelijen Negara", "ORG"), ("BIN", "ORG")])], settings)
    assert linked[0].entity_id != linked[1].entity_id
    docs = [processed("a", "Kota Teheran dan Teheran.", [("Kota Teheran", "LOC"), ("Teheran", "LOC")]),
            processed("b", "Teheran atau Tehran.", [("Teheran", "LOC"), ("Tehran", "LOC")])]
    linked, _ = link(docs, settings)
    by_text = {(lm.mention.doc_id, lm.mention.text): lm.entity_id for lm in linked}
    assert by_text[("a", "Kota Teheran")] != by_text[("b", "Tehran")]


def test_an_id_names_one_entity_even_when_groups_stay_apart():
    docs = [
        ("a", "Komisi Pemilihan Umum (KPU) rapat.", [("Komisi Pemilihan Umum", "ORG")]),
        ("b", "Komite Penyelamat Umat (KPU) rapat.", [("Komite Penyelamat Umat", "ORG")]),
        ("c", "KPU diam.", [("KPU", "ORG")]),
        ("d", "KPU bicara.", [("KPU", "ORG")]),
    ]
    _, entities = run_link(docs)
    assert len(entities) == len({e.entity_id for e in entities.values()})
    assert sorted(e.canonical for e in entities.values()) == [
        "KPU", "Komisi Pemilihan Umum", "Komite Penyelamat Umat"]


def test_names_keep_their_accents_hyphens_and_apostrophes():
    text = "Wapres Ma'ruf Amin bertemu José Ramos-Horta. Ramos-Horta tersenyum."
    linked, entities = run_link([("d", text, [("Ma'ruf Amin", "PER"), ("José Ramos-Horta", "PER"),
                                              ("Ramos-Horta", "PER")])])
    assert linked[("d", "Ma'ruf Amin")].name == "Ma'ruf Amin"
    jose = entities[linked[("d", "José Ramos-Horta")].entity_id]
    assert jose.canonical == "José Ramos-Horta" and jose.aliases == ("Ramos-Horta",)
    assert linked[("d", "Ramos-Horta")].entity_id == jose.entity_id


def test_a_refused_merge_through_one_anchor_still_joins_through_another():
    """doc1 may not join doc0 (``f1`` and ``f2`` are forbidden together) but joins doc2 by ``b y``."""
    from pipeline.link import ClusterSummary, EntityIndex, LinkSettings

    def cluster(names, short=()):
        keys = frozenset([*names, *short])
        counts = tuple(sorted((tuple(n.split()), 1) for n in keys))
        return ClusterSummary("PER", counts, keys, frozenset(names))

    clusters = [((0, 0), cluster(["a x", "f2"])), ((1, 0), cluster(["a x", "b y"], short=["f1"])),
                ((2, 0), cluster(["b y"]))]
    index = EntityIndex(lambda: iter(clusters), LinkSettings(forbidden=frozenset({frozenset({"f1", "f2"})})))
    ids = [index.entity_of(node, summary) for node, summary in clusters]
    assert ids[1] == ids[2] != ids[0]
    assert len({e.entity_id for e in index.entities}) == len(index.entities) == 2


def test_lower_case_words_opening_an_organisation_are_its_role_not_its_name():
    text = "Pemimpin gerakan perlawanan Hamas tiba. Hamas menolak. Warga al Aqsa dan wilayah Gaza."
    docs = [("d1", text, [("gerakan perlawanan Hamas", "ORG"), ("Hamas", "ORG"), ("al Aqsa", "LOC"),
                          ("wilayah Gaza", "LOC")]),
            ("d2", "Juru bicara Hamas berbicara.", [("Hamas", "ORG")])]
    linked, entities = run_link(docs)
    movement = linked[("d1", "gerakan perlawanan Hamas")]
    assert (movement.name, movement.role) == ("Hamas", "gerakan perlawanan")
    assert linked[("d1", "al Aqsa")].name == "al Aqsa" and linked[("d1", "wilayah Gaza")].name == "Gaza"
    assert movement.entity_id == linked[("d1", "Hamas")].entity_id == linked[("d2", "Hamas")].entity_id
    assert entities[movement.entity_id].canonical == "Hamas"


def linked_store(docs, settings=None):
    """The tables of a run over (doc_id, text, spans) documents, through the run's store."""
    from pipeline.link import NO_STEERING, EntityIndex, link_document
    from pipeline.store import TableStore

    with TableStore() as store:
        for doc_id, text, spans in docs:
            document = processed(doc_id, text, spans)
            store.add(document, link_document(document, settings or NO_STEERING))
        store.set_entities(EntityIndex(store.clusters, settings or NO_STEERING))
        return store.tables()


def test_a_surname_of_an_official_in_a_list_is_not_the_one_word_name():
    text = ("Hadir Kepala Dinas Agus Salim, Sekretaris Dedi Mulyadi, dan Budi Prabowo. "
            "Presiden Prabowo kemudian membuka acara.")
    spans = [("Agus Salim", "PER"), ("Dedi Mulyadi", "PER"), ("Budi Prabowo", "PER"), ("Prabowo", "PER")]
    linked, _ = run_link([("d", text, spans)])
    assert linked[("d", "Prabowo")].entity_id != linked[("d", "Budi Prabowo")].entity_id
    tables = linked_store([("d", text, spans)])
    assert tables.candidates[["alias", "canonical", "label"]].values.tolist() == [["Prabowo", "Budi Prabowo", "PER"]]


def test_company_designators_never_block_a_match_and_leave_no_residue():
    text = ("PT Kereta Api Indonesia (Persero) menambah kereta. Menurut KAI, PT KAI siap. "
            "PT Bank Tabungan Negara (Persero) Tbk ikut.")
    spans = [("PT Kereta Api Indonesia (Persero)", "ORG"), ("KAI", "ORG"), ("PT KAI", "ORG"),
             ("PT Bank Tabungan Negara (Persero) Tbk", "ORG")]
    linked, entities = run_link([("d", text, spans)])
    kai = linked[("d", "KAI")].entity_id
    assert linked[("d", "PT KAI")].entity_id == kai == linked[("d", "PT Kereta Api Indonesia (Persero)")].entity_id
    assert entities[kai].canonical == "PT Kereta Api Indonesia"
    assert linked[("d", "PT Bank Tabungan Negara (Persero) Tbk")].name == "PT Bank Tabungan Negara Tbk"


def test_short_forms_of_parks_offices_and_provinces():
    text = ("Taman Nasional Gunung Leuser dijaga. TN Gunung Leuser luas. Kejaksaan Tinggi Jawa Barat menahan "
            "tersangka. Kejati juga memeriksa saksi di Jawa Barat. Warga Jabar menunggu.")
    spans = [("Taman Nasional Gunung Leuser", "LOC"), ("TN Gunung Leuser", "LOC"),
             ("Kejaksaan Tinggi Jawa Barat", "ORG"), ("Kejati", "ORG"), ("Jawa Barat", "LOC"), ("Jabar", "LOC")]
    linked, _ = run_link([("d", text, spans)])
    assert linked[("d", "TN Gunung Leuser")].entity_id == linked[("d", "Taman Nasional Gunung Leuser")].entity_id
    assert linked[("d", "Kejati")].entity_id == linked[("d", "Kejaksaan Tinggi Jawa Barat")].entity_id
    assert linked[("d", "Jabar")].entity_id == linked[("d", "Jawa Barat")].entity_id


def test_a_bare_regency_name_is_the_regency_unless_a_city_shares_it():
    text = "Banjir di Kabupaten Brebes. Warga Brebes mengungsi. Kabupaten Bandung aman, Bandung macet."
    spans = [("Kabupaten Brebes", "LOC"), ("Brebes", "LOC"), ("Kabupaten Bandung", "LOC"), ("Bandung", "LOC")]
    linked, _ = run_link([("d", text, spans)])
    assert linked[("d", "Brebes")].entity_id == linked[("d", "Kabupaten Brebes")].entity_id
    assert linked[("d", "Bandung")].entity_id != linked[("d", "Kabupaten Bandung")].entity_id


def test_short_names_join_the_one_fuller_name_of_the_run_and_two_stay_candidates():
    docs = [("a", "Menteri Keuangan Sri Mulyani Indrawati hadir.", [("Sri Mulyani Indrawati", "PER")]),
            ("b", "Sri Mulyani menjawab.", [("Sri Mulyani", "PER")]),
            ("c", "Bank Indonesia (BI) menahan suku bunga.", [("Bank Indonesia", "ORG")]),
            ("d", "BI optimistis.", [("BI", "ORG")]),
            ("e", "Ahmad Dahlan Iskan dan Ahmad Dahlan Rais.",
             [("Ahmad Dahlan Iskan", "PER"), ("Ahmad Dahlan Rais", "PER")]),
            ("f", "Ahmad Dahlan berpidato.", [("Ahmad Dahlan", "PER")])]
    linked, _ = run_link(docs)
    assert linked[("b", "Sri Mulyani")].entity_id == linked[("a", "Sri Mulyani Indrawati")].entity_id
    assert linked[("b", "Sri Mulyani")].rule == "run"
    assert linked[("d", "BI")].entity_id == linked[("c", "Bank Indonesia")].entity_id
    assert linked[("f", "Ahmad Dahlan")].entity_id not in {linked[("e", "Ahmad Dahlan Iskan")].entity_id,
                                                           linked[("e", "Ahmad Dahlan Rais")].entity_id}
    candidates = linked_store(docs).candidates
    assert sorted(candidates.loc[candidates["alias"] == "Ahmad Dahlan", "canonical"]) == [
        "Ahmad Dahlan Iskan", "Ahmad Dahlan Rais"]


def test_a_one_word_name_needs_a_document_to_join_a_fuller_name_across_documents():
    docs = [("a", "Kasi Program Budi Prabowo menjelaskan.", [("Budi Prabowo", "PER")]),
            ("b", "Presiden Prabowo berpidato.", [("Prabowo", "PER")])]
    linked, _ = run_link(docs)
    assert linked[("b", "Prabowo")].entity_id != linked[("a", "Budi Prabowo")].entity_id


def test_canonical_name_from_the_body_without_headline_or_pairs():
    text = ("Jefri Nichol Jalani Sidang\nAktor Jefri Nichol hadir. Jefri tersenyum. "
            "Prabowo Subianto-Gibran Rakabuming unggul.")
    spans = [("Jefri Nichol Jalani Sidang", "PER"), ("Jefri Nichol", "PER"), ("Jefri", "PER"),
             ("Prabowo Subianto-Gibran Rakabuming", "PER")]
    linked, entities = run_link([("d", text, spans)])
    jefri = linked[("d", "Jefri")].entity_id
    assert linked[("d", "Jefri Nichol Jalani Sidang")].entity_id == jefri
    assert entities[jefri].canonical == "Jefri Nichol"
    assert linked[("d", "Prabowo Subianto-Gibran Rakabuming")].entity_id != jefri


def test_appositions_give_roles_and_affiliations():
    text = ("Ketua KPK, Setyo Budiyanto, menjelaskan. Ridwan Kamil, Gubernur Jawa Barat, hadir. "
            "KPK memeriksa saksi di Jawa Barat.")
    spans = [("KPK", "ORG"), ("Setyo Budiyanto", "PER"), ("Ridwan Kamil", "PER"), ("Jawa Barat", "LOC"),
             ("KPK", "ORG"), ("Jawa Barat", "LOC")]
    linked, _ = run_link([("d", text, spans)])
    assert linked[("d", "Setyo Budiyanto")].role == "Ketua KPK"
    assert linked[("d", "Ridwan Kamil")].role == "Gubernur Jawa Barat"
    affiliations = linked_store([("d", text, spans)]).affiliations
    assert affiliations[["person", "role", "entity", "label"]].values.tolist() == [
        ["Ridwan Kamil", "Gubernur Jawa Barat", "Jawa Barat", "LOC"], ["Setyo Budiyanto", "Ketua KPK", "KPK", "ORG"]]


def test_title_words_go_to_the_role_and_not_the_canonical_name():
    text = "Terdakwa Ahmad Fauzi hadir. Wamenkeu Suahasil Nazara menjawab."
    linked, _ = run_link([("d", text, [("Terdakwa Ahmad Fauzi", "PER"), ("Wamenkeu Suahasil Nazara", "PER")])])
    assert linked[("d", "Terdakwa Ahmad Fauzi")].name == "Ahmad Fauzi"
    assert linked[("d", "Wamenkeu Suahasil Nazara")].role == "Wamenkeu"
