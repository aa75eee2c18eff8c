"""`everai app check` names the user's file, line and mistake in one line, as EverAI does (`'Service' object has no attribute 'rout'`)."""

import pytest
from conftest import AppFolder

from everai.errors import EveraiError
from everai.loader import load_app, load_image_name

HEAD = "from everai.app import App\nfrom everai.image import Image\n\napp = App('checked', image=Image.from_registry('checked:v1'))\n"


def load_error(app_folder: AppFolder, files: dict[str, str]) -> str:
    folder = app_folder(files)
    with pytest.raises(EveraiError) as caught:
        load_app(str(folder))
    assert caught.value.code == "EVERAI_APP_INVALID"
    assert "\n" not in caught.value.message
    return caught.value.message


def test_a_valid_app_loads_with_its_imports(app_folder: AppFolder) -> None:
    folder = app_folder(
        {
            "image_builder.py": "from everai.image import Builder\n\nIMAGE = 'checked:v2'\n",
            "app.py": "from everai.app import App\nfrom everai.image import Image\nfrom image_builder import IMAGE\n\napp = App('checked', image=Image.from_registry(IMAGE))\n",
        }
    )
    assert load_app(str(folder)).to_spec()["image"] == "checked:v2"
    assert load_image_name(str(folder)) == "checked:v2"


def test_a_typo_in_a_member_names_it_and_what_was_meant(app_folder: AppFolder) -> None:
    message = load_error(app_folder, {"app.py": HEAD + "\n@app.service.rout('/sse', methods=['GET'])\ndef sse():\n    return 'x'\n"})
    assert message == "app.py:6: AttributeError: 'Service' object has no attribute 'rout' (did you mean 'route'?)"


def test_a_mistake_in_an_imported_file_points_there(app_folder: AppFolder) -> None:
    message = load_error(app_folder, {"helpers.py": "\n\nPREFIX = '/x' + 1\n", "app.py": "import helpers\n" + HEAD})
    assert message == "helpers.py:3: TypeError: can only concatenate str (not \"int\") to str"


def test_an_import_of_a_name_the_sdk_lacks(app_folder: AppFolder) -> None:
    message = load_error(app_folder, {"app.py": "from everai.app import Apps\n"})
    assert message == "app.py:1: ImportError: cannot import name 'Apps' from 'everai.app' (did you mean 'App'?)"


def test_a_name_that_is_not_defined(app_folder: AppFolder) -> None:
    message = load_error(app_folder, {"app.py": HEAD + "app2 = Ap('x')\n"})
    assert message == "app.py:5: NameError: name 'Ap' is not defined (did you mean 'App'?)"


def test_a_syntax_error(app_folder: AppFolder) -> None:
    message = load_error(app_folder, {"app.py": HEAD + "def broken(:\n    pass\n"})
    assert message.startswith("app.py:5: SyntaxError: ")


def test_an_sdk_check_points_at_the_users_line(app_folder: AppFolder) -> None:
    message = load_error(app_folder, {"app.py": "from everai.app import App\n\napp = App('Bad_Name')\n"})
    assert message.startswith("app.py:3: app name 'Bad_Name' is not valid")


def test_a_file_without_an_app(app_folder: AppFolder) -> None:
    assert load_error(app_folder, {"app.py": "x = 1\n"}) == "app.py: no variable named 'app' (it defines x); write `app = App(...)`"
    assert load_error(app_folder, {"app.py": "app = 'get-start'\n"}) == "app.py: 'app' is not an App (it is a str)"


def test_an_image_builder_without_image(app_folder: AppFolder) -> None:
    folder = app_folder({"image_builder.py": "from everai.image import Builder\n"})
    with pytest.raises(EveraiError, match=r"image_builder.py does not set IMAGE: add `IMAGE = 'my-app:v1'`"):
        load_image_name(str(folder))
