"""Members helping members: the support board (open calls) and the toolkit (documents)."""

from django.urls import path

from mapping.views.community import board, toolkit

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/<int:pk>/", board.board_call, name="board-call"),
    path("board/new/<uuid:organization>/", board.board_call_create, name="board-call-create"),
    path("board/<int:pk>/edit/", board.board_call_edit, name="board-call-edit"),
    path("board/<int:pk>/close/", board.board_call_close, name="board-call-close"),
    path("toolkit/", toolkit.toolkit, name="toolkit"),
    path("toolkit/<uuid:pk>/", toolkit.toolkit_document, name="toolkit-document"),
    path("toolkit/<uuid:pk>/download/", toolkit.toolkit_download, name="toolkit-download"),
    path("toolkit/new/<uuid:organization>/", toolkit.toolkit_upload, name="toolkit-upload"),
    path("toolkit/<uuid:pk>/edit/", toolkit.toolkit_edit, name="toolkit-edit"),
    path("toolkit/<uuid:pk>/delete/", toolkit.toolkit_delete, name="toolkit-delete"),
]
