"""Knowledge distillation (examples/vision/knowledge_distillation.py): a Distiller model that
overrides compile() and compute_loss(), a KL term on temperature-softened outputs."""
import keras
from keras import layers, ops
from sklearn.datasets import load_digits


class Distiller(keras.Model):
    def __init__(self, student, teacher):
        super().__init__()
        self.teacher = teacher
        self.student = student

    def compile(self, optimizer, metrics, student_loss_fn, distillation_loss_fn, alpha=0.1, temperature=3):
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn
        self.alpha = alpha
        self.temperature = temperature

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False):
        teacher_pred = self.teacher(x, training=False)
        student_loss = self.student_loss_fn(y, y_pred)
        distillation_loss = self.distillation_loss_fn(
            ops.softmax(teacher_pred / self.temperature, axis=1),
            ops.softmax(y_pred / self.temperature, axis=1)) * (self.temperature**2)
        return self.alpha * student_loss + (1 - self.alpha) * distillation_loss

    def call(self, x):
        return self.student(x)


keras.utils.set_random_seed(0)
digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]
y = digits.target.astype("int64")
teacher = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(32, (3, 3), padding="same"),
                            layers.LeakyReLU(negative_slope=0.2), layers.MaxPooling2D(pool_size=(2, 2), padding="same"),
                            layers.Flatten(), layers.Dense(10)], name="teacher")
student = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(8, (3, 3), padding="same"),
                            layers.LeakyReLU(negative_slope=0.2), layers.Flatten(), layers.Dense(10)], name="student")
teacher.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[keras.metrics.SparseCategoricalAccuracy()])
teacher.fit(x[:1400], y[:1400], epochs=3, verbose=0)
teacher_score = teacher.evaluate(x[1400:], y[1400:], verbose=0)

distiller = Distiller(student=student, teacher=teacher)
distiller.compile(optimizer=keras.optimizers.Adam(), metrics=[keras.metrics.SparseCategoricalAccuracy()],
                  student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  distillation_loss_fn=keras.losses.KLDivergence(), alpha=0.1, temperature=10)
history = distiller.fit(x[:1400], y[:1400], epochs=2, verbose=2)
score = distiller.evaluate(x[1400:], y[1400:], verbose=0)

TOL = 0.1
RESULT = {"history": sorted(history.history), "teacher_accuracy": float(teacher_score[1]),
          "student_accuracy": float(score[1]) if isinstance(score, list) else float(score),
          "student_learned": (score[1] if isinstance(score, list) else score) > 0.7}
