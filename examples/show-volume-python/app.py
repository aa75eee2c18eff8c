import os

from everai.app import App, context, VolumeRequest
from everai.image import Image
from image_builder import IMAGE

APP_NAME = 'show-volume-python'
VOLUME_NAME = 'get-start-volume'
MODEL_NAME = 'my-model'

app = App(
    APP_NAME,
    image=Image.from_registry(IMAGE),
    volume_requests=[
        VolumeRequest(name=VOLUME_NAME, create_if_not_exists=True),
    ],
)


@app.prepare()
def prepare_model():
    volume = context.get_volume(VOLUME_NAME)
    assert volume is not None and volume.ready

    model_path = os.path.join(volume.path, MODEL_NAME)
    if context.is_prepare_mode:
        # Made the first time only: later prepares push the file as you edited it in the volume's local copy.
        if not os.path.exists(model_path):
            with open(model_path, 'wb') as f:
                f.write('hello world'.encode('utf-8'))
        context.volume_manager.push(VOLUME_NAME)
    elif not os.path.exists(model_path):
        # A worker's volume is the read-only revision its app pins.
        raise RuntimeError(f'volume {VOLUME_NAME} at revision {volume.revision} has no {MODEL_NAME}: run `everai app prepare`')


@app.service.route('/show-volume', methods=['GET'])
def show_volume():
    volume = context.get_volume(VOLUME_NAME)
    assert volume is not None and volume.ready

    model_path = os.path.join(volume.path, MODEL_NAME)
    with open(model_path, 'r') as f:
        text = f.read()
    return text if text.endswith('\n') else text + '\n'
