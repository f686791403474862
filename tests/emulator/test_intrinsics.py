"""emulator.intrinsics: CloudFormation's intrinsic functions resolved against what the emulator created.

The template shapes are CloudFormation's documented intrinsic function syntax (Ref, Fn::GetAtt, Fn::Join,
Fn::Sub, Fn::Select, Fn::Split, Fn::FindInMap, Fn::GetAZs, AWS::NoValue).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.intrinsics import Resolver, Unresolved

PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::StackName": "S"}
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:S-Queue"
QUEUE_URL = "http://127.0.0.1/123456789012/S-Queue"


def resolver(**changes) -> Resolver:
    arguments = {
        "pseudo": PSEUDO,
        "refs": {"Queue": QUEUE_URL, "Bucket": "my-bucket"},
        "attributes": {"Queue": {"Arn": QUEUE_ARN, "QueueName": "S-Queue"}, "Bucket": {}},
        "mappings": {"Sizes": {"us-east-1": {"Memory": 2048}}},
        "parameters": {"Env": "dev"},
        "availability_zones": ["us-east-1a", "us-east-1b"],
    }
    return Resolver(**{**arguments, **changes})


# --------------------------------------------------------------------------- Ref and Fn::GetAtt


@pytest.mark.parametrize(
    ("name", "expected"),
    [("AWS::Region", "us-east-1"), ("AWS::AccountId", "123456789012"), ("Env", "dev"), ("Queue", QUEUE_URL)],
)
def test_ref_gives_pseudo_parameters_parameters_and_resources(name, expected):
    assert resolver().resolve({"Ref": name}, "Resources.X") == expected


def test_ref_to_an_unknown_resource_names_it():
    with pytest.raises(Unresolved, match="Ghost") as raised:
        resolver().resolve({"Properties": {"QueueUrl": {"Ref": "Ghost"}}}, "Resources.Fn")
    assert "Resources.Fn.Properties.QueueUrl.Ref" in str(raised.value)


@pytest.mark.parametrize("argument", [["Queue", "Arn"], "Queue.Arn"])
def test_get_att_takes_the_list_and_the_dotted_string_forms(argument):
    assert resolver().resolve({"Fn::GetAtt": argument}, "X") == QUEUE_ARN


def test_get_att_of_an_unknown_attribute_lists_the_known_ones():
    with pytest.raises(Unresolved, match=r"Queue\.Nope.*Arn, QueueName"):
        resolver().resolve({"Fn::GetAtt": ["Queue", "Nope"]}, "X")


def test_get_att_of_a_resource_that_was_not_created():
    with pytest.raises(Unresolved, match=r"Ghost\.Arn names a resource that was not created"):
        resolver().resolve({"Fn::GetAtt": "Ghost.Arn"}, "X")


# --------------------------------------------------------------------------- Fn::Join, Fn::Sub


def test_join_resolves_its_items():
    value = {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "s3", "", "", {"Ref": "Bucket"}]]}
    assert resolver().resolve(value, "X") == "arn:aws:s3:::my-bucket"


def test_join_renders_numbers_as_json():
    assert resolver().resolve({"Fn::Join": ["-", ["a", 3, True]]}, "X") == "a-3-true"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arn:aws:logs:${AWS::Region}:${AWS::AccountId}:*", "arn:aws:logs:us-east-1:123456789012:*"),
        ("queue ${Queue}", f"queue {QUEUE_URL}"),
        ("${Queue.Arn}/x", f"{QUEUE_ARN}/x"),
        ("${Env}-${Queue.QueueName}", "dev-S-Queue"),
        ("${!Literal} and ${AWS::Region}", "${Literal} and us-east-1"),
        ("no variables", "no variables"),
    ],
)
def test_sub_string_form(text, expected):
    assert resolver().resolve({"Fn::Sub": text}, "X") == expected


def test_sub_with_a_variables_map_prefers_the_map():
    value = {"Fn::Sub": ["${Queue}:${Name}", {"Queue": "overridden", "Name": {"Fn::GetAtt": ["Queue", "QueueName"]}}]}
    assert resolver().resolve(value, "X") == "overridden:S-Queue"


def test_sub_of_an_unknown_variable_raises():
    with pytest.raises(Unresolved, match="Missing"):
        resolver().resolve({"Fn::Sub": "a ${Missing} b"}, "X")


# --------------------------------------------------------------------------- Fn::Select, Fn::Split, Fn::FindInMap, Fn::GetAZs


def test_select_picks_the_index():
    assert resolver().resolve({"Fn::Select": [1, ["a", {"Ref": "Env"}, "c"]]}, "X") == "dev"


def test_select_takes_the_index_as_a_string():
    assert resolver().resolve({"Fn::Select": ["2", ["a", "b", "c"]]}, "X") == "c"


def test_select_out_of_range_names_the_place():
    with pytest.raises(Unresolved, match=r"Resources\.R\.Properties\.Az\.Fn::Select: Fn::Select index 5 is outside the 2"):
        resolver().resolve({"Properties": {"Az": {"Fn::Select": [5, ["a", "b"]]}}}, "Resources.R")


def test_split_splits_a_resolved_string():
    assert resolver().resolve({"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}, "X") == QUEUE_ARN.split(":")


def test_select_over_split_gives_a_part_of_an_arn():
    value = {"Fn::Select": [5, {"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}]}
    assert resolver().resolve(value, "X") == "S-Queue"


def test_find_in_map_resolves_its_keys():
    assert resolver().resolve({"Fn::FindInMap": ["Sizes", {"Ref": "AWS::Region"}, "Memory"]}, "X") == 2048


@pytest.mark.parametrize("keys", [["Sizes", "eu-west-1", "Memory"], ["Sizes", "us-east-1", "Cpu"], ["Nope", "a", "b"]])
def test_find_in_map_of_a_missing_key_raises(keys):
    with pytest.raises(Unresolved, match="is not in the template's Mappings"):
        resolver().resolve({"Fn::FindInMap": keys}, "X")


def test_get_azs_gives_the_known_zones():
    assert resolver().resolve({"Fn::GetAZs": ""}, "X") == ["us-east-1a", "us-east-1b"]


def test_get_azs_without_zones_raises():
    with pytest.raises(Unresolved, match="no availability zones"):
        resolver(availability_zones=[]).resolve({"Fn::GetAZs": {"Ref": "AWS::Region"}}, "X")


# --------------------------------------------------------------------------- AWS::NoValue, unknown functions


def test_no_value_drops_the_property():
    value = {"Name": "n", "KmsKeyId": {"Ref": "AWS::NoValue"}}
    assert resolver().resolve(value, "X") == {"Name": "n"}


def test_no_value_drops_the_list_item():
    assert resolver().resolve(["a", {"Ref": "AWS::NoValue"}, "b"], "X") == ["a", "b"]


def test_values_without_functions_come_back_unchanged():
    value = {"A": [1, {"B": "c"}], "D": None, "E": 2.5}
    assert resolver().resolve(value, "X") == {"A": [1, {"B": "c"}], "D": None, "E": 2.5}


def test_a_ref_key_beside_others_is_not_a_function():
    # An intrinsic function is an object with exactly one key (CloudFormation's template anatomy).
    assert resolver().resolve({"Ref": "Env", "Other": 1}, "X") == {"Ref": "Env", "Other": 1}


def test_an_unknown_function_names_where_it_is_and_what_it_is():
    value = {"Properties": {"Tags": [{"Fn::If": ["IsProd", "a", "b"]}]}}
    with pytest.raises(Unresolved) as raised:
        resolver().resolve(value, "Resources.Fn")
    assert "Resources.Fn.Properties.Tags[0]" in str(raised.value)
    assert "Fn::If" in str(raised.value)


def test_a_condition_key_is_not_resolved_silently():
    with pytest.raises(Unresolved, match="Condition"):
        resolver().resolve({"Condition": "IsProd"}, "X")


# --------------------------------------------------------------------------- references()


def test_references_finds_ref_get_att_and_sub_variables_but_not_pseudo_parameters():
    value = {
        "A": {"Ref": "Queue"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::GetAtt": "Topic.TopicName"},
        "D": {"Fn::Sub": "${Bucket}/${Fn.Arn}/${AWS::Region}/${!Literal}"},
        "E": {"Fn::Sub": ["${Local}-${Env}", {"Local": {"Ref": "Table"}}]},
        "F": [{"Ref": "AWS::AccountId"}, {"Ref": "AWS::NoValue"}, {"Ref": "Env"}],
    }
    assert resolver().references(value) == {"Queue", "Role", "Topic", "Bucket", "Fn", "Table"}


# --------------------------------------------------------------------------- property


@given(
    items=st.lists(st.text(alphabet=st.characters(exclude_characters=","), max_size=8), min_size=1, max_size=8),
    data=st.data(),
)
def test_select_over_split_of_join_gives_the_item_back(items, data):
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    value = {"Fn::Select": [index, {"Fn::Split": [",", {"Fn::Join": [",", items]}]}]}
    assert resolver().resolve(value, "X") == items[index]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # CloudFormation's rule functions, as the CDK's CheckBootstrapVersion rule uses them.
        ({"Fn::Not": [{"Fn::Contains": [["1", "2"], "30"]}]}, True),
        ({"Fn::Contains": [["1", "2"], "2"]}, True),
        ({"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}, True),
        ({"Fn::And": [True, {"Fn::Equals": ["a", "b"]}]}, False),
        ({"Fn::Or": [False, {"Fn::Equals": ["a", "a"]}]}, True),
    ],
)
def test_conditions_evaluate_as_cloudformation_does(value, expected):
    assert resolver().condition(value, "Rules.R") is expected


def test_a_condition_the_emulator_does_not_evaluate_is_named():
    with pytest.raises(Unresolved, match=r"^Rules\.R: \{'Fn::If': .* is not a condition the emulator evaluates$"):
        resolver().condition({"Fn::If": ["C", True, False]}, "Rules.R")
