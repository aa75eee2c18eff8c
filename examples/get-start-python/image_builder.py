from everai.image import Builder

IMAGE = 'get-start-python:v1'
