"""Vietnamese alphabetical order: Đ right after D, Ă/Â after A, Ư after U, tones only break ties."""
from __future__ import annotations

from pii_analysis.report.collation import sorted_vi


def test_vietnamese_letters_sort_as_in_a_dictionary():
    assert sorted_vi(["Đồng Nai", "Điện Biên", "Gia Lai", "Cà Mau", "Đà Nẵng", "Cần Thơ", "Cao Bằng"]) == \
        ["Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Điện Biên", "Đồng Nai", "Gia Lai"]
    assert sorted_vi(["Dz", "Đa", "Da"]) == ["Da", "Dz", "Đa"]                 # Đ is a letter after D
    assert sorted_vi(["Ư", "V", "U", "Â", "Ă", "B", "A"]) == ["A", "Ă", "Â", "B", "U", "Ư", "V"]
    # tones: none, grave, hook, tilde, acute, dot below
    assert sorted_vi(["Bạ", "Bá", "Bã", "Bả", "Bà", "Ba"]) == ["Ba", "Bà", "Bả", "Bã", "Bá", "Bạ"]
    assert sorted_vi(["Hưng Yên", "Huế", "Hà Tĩnh", "Hà Nội", "Hải Phòng"]) == \
        ["Hà Nội", "Hà Tĩnh", "Hải Phòng", "Huế", "Hưng Yên"]
