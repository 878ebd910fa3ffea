from flask.testing import FlaskClient


def test_health_answers_ok_after_a_database_round_trip(client: FlaskClient) -> None:
    response = client.get("/sante")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_login_page_is_french_and_carries_a_csrf_token(client: FlaskClient) -> None:
    page = client.get("/connexion").get_data(as_text=True)
    assert 'lang="fr"' in page
    assert 'name="csrf_token"' in page
    assert "Mot de passe" in page
