from tests.conftest import REPO


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_second():
    lines = (REPO / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```")]
    assert len(block) == 2
    run, test = block
    assert run.endswith("python examples/quickstart.py")
    assert "pytest" in test
    assert test in (REPO / ".ci" / "run").read_text().splitlines()
