def test_a_new_database_is_at_the_head_revision(db):
    from complaintctl.store.schema import head_revision

    assert db.current_revision() == head_revision()


def test_register_prints_the_new_number_on_stdout(cli):
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费重复扣收",
              as_="clerk")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.strip().startswith("CMP-")
    assert "Registered" in run.stderr
