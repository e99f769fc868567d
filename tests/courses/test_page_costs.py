from tests.province_fixtures import province_costs  # noqa: F401


def test_every_page_runs_as_many_statements_whatever_the_province_size(province_costs):  # noqa: F811
    # A page's SQL statements are constant in the data: the same for a province three
    # times as large (more people, workshops, cohorts and entities).
    small = province_costs(0.01)
    large = province_costs(0.03)
    assert all(status == 200 for status, _ in small.values()), small
    grown = {
        page: (small[page][1], large[page][1]) for page in small if small[page][1] != large[page][1]
    }
    assert grown == {}, grown
