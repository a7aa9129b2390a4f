<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="de_DE">
<context>
    <name>dermsam::ErrorText</name>
    <message>
        <source>The file %1 does not exist.</source>
        <translation>Die Datei %1 existiert nicht.</translation>
    </message>
    <message>
        <source>The file %1 cannot be read (check its permissions).</source>
        <translation>Die Datei %1 kann nicht gelesen werden (prüfen Sie die Zugriffsrechte).</translation>
    </message>
    <message>
        <source>Could not write %1 (check the folder's permissions and free space). Existing files were left as they were.</source>
        <translation>%1 konnte nicht geschrieben werden (prüfen Sie Zugriffsrechte und freien Speicher des Ordners). Vorhandene Dateien blieben unverändert.</translation>
    </message>
    <message>
        <source>%1 is not an image format DermSAM can read.</source>
        <translation>%1 ist kein Bildformat, das DermSAM lesen kann.</translation>
    </message>
    <message>
        <source>%1 is damaged or incomplete.</source>
        <translation>%1 ist beschädigt oder unvollständig.</translation>
    </message>
    <message>
        <source>%1 is a DICOM file DermSAM cannot display (no pixel data, several frames or an unsupported compression).</source>
        <translation>%1 ist eine DICOM-Datei, die DermSAM nicht anzeigen kann (keine Pixeldaten, mehrere Frames oder nicht unterstützte Kompression).</translation>
    </message>
    <message>
        <source>The DICOM data dictionary is missing: set DCMDICTPATH to dicom.dic.</source>
        <translation>Das DICOM-Datenwörterbuch fehlt: setzen Sie DCMDICTPATH auf dicom.dic.</translation>
    </message>
    <message>
        <source>The mask is empty or has an unusable format.</source>
        <translation>Die Maske ist leer oder hat ein unbrauchbares Format.</translation>
    </message>
    <message>
        <source>%1 is not a model checkpoint DermSAM can read (.pth or .safetensors).</source>
        <translation>%1 ist kein Modell-Checkpoint, den DermSAM lesen kann (.pth oder .safetensors).</translation>
    </message>
    <message>
        <source>%1 contains code, not only weights; it was refused for safety.</source>
        <translation>%1 enthält Code, nicht nur Gewichte; die Datei wurde aus Sicherheitsgründen abgelehnt.</translation>
    </message>
    <message>
        <source>%1 is not a SAM or MedSAM model checkpoint.</source>
        <translation>%1 ist kein SAM- oder MedSAM-Checkpoint.</translation>
    </message>
    <message>
        <source>CUDA is not available on this computer: choose CPU or Automatic in Settings.</source>
        <translation>CUDA ist auf diesem Rechner nicht verfügbar: wählen Sie in den Einstellungen CPU oder Automatisch.</translation>
    </message>
    <message>
        <source>The prompt lies outside the image.</source>
        <translation>Der Prompt liegt außerhalb des Bildes.</translation>
    </message>
    <message>
        <source>No model is loaded. Choose a checkpoint (MedSAM or SAM .pth, .safetensors) in Settings.</source>
        <translation>Kein Modell geladen. Wählen Sie in den Einstellungen einen Checkpoint (MedSAM oder SAM, .pth, .safetensors).</translation>
    </message>
    <message>
        <source>Unexpected error (%1).</source>
        <translation>Unerwarteter Fehler (%1).</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1</source>
        <translation>Das Modell konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>The image could not be encoded: %1</source>
        <translation>Das Bild konnte nicht kodiert werden: %1</translation>
    </message>
    <message>
        <source>The mask could not be computed: %1</source>
        <translation>Die Maske konnte nicht berechnet werden: %1</translation>
    </message>
</context>
<context>
    <name>dermsam::ImageCanvas</name>
    <message>
        <source>Open an image or a folder (File &gt; Open), or drop one here.</source>
        <translation>Öffnen Sie ein Bild oder einen Ordner (Datei &gt; Öffnen) oder ziehen Sie es hierher.</translation>
    </message>
</context>
<context>
    <name>dermsam::MainWindow</name>
    <message>
        <source>x %1, y %2</source>
        <translation>x %1, y %2</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Loading model...</source>
        <translation>Modell wird geladen …</translation>
    </message>
    <message>
        <source>Analysing image...</source>
        <translation>Bild wird analysiert …</translation>
    </message>
    <message>
        <source>Computing mask...</source>
        <translation>Maske wird berechnet …</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open Image...</source>
        <translation>Bild ö&amp;ffnen …</translation>
    </message>
    <message>
        <source>Open image</source>
        <translation>Bild öffnen</translation>
    </message>
    <message>
        <source>Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;All files (*)</source>
        <translation>Bilder (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Open &amp;Folder as Worklist...</source>
        <translation>&amp;Ordner als Arbeitsliste öffnen …</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Ordner öffnen</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Save Mask</source>
        <translation>Maske &amp;speichern</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Rückgängig</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Wiederherstellen</translation>
    </message>
    <message>
        <source>&amp;Refine Mask</source>
        <translation>Maske &amp;verfeinern</translation>
    </message>
    <message>
        <source>Feed the edited mask back to the model as a mask prompt</source>
        <translation>Die bearbeitete Maske dem Modell als Masken-Prompt zurückgeben</translation>
    </message>
    <message>
        <source>&amp;Clear Prompts</source>
        <translation>Prompts &amp;löschen</translation>
    </message>
    <message>
        <source>&amp;Settings...</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Zoom to &amp;Fit</source>
        <translation>&amp;Einpassen</translation>
    </message>
    <message>
        <source>&amp;Actual Pixels (1:1)</source>
        <translation>&amp;Originalgröße (1:1)</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>Ver&amp;größern</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>Ver&amp;kleinern</translation>
    </message>
    <message>
        <source>Show &amp;Mask</source>
        <translation>&amp;Maske anzeigen</translation>
    </message>
    <message>
        <source>Show &amp;Contour</source>
        <translation>&amp;Kontur anzeigen</translation>
    </message>
    <message>
        <source>Mask &amp;Colour...</source>
        <translation>Masken&amp;farbe …</translation>
    </message>
    <message>
        <source>Mask colour</source>
        <translation>Maskenfarbe</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Werkzeuge</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>Werkzeuge</translation>
    </message>
    <message>
        <source>&amp;Box</source>
        <translation>&amp;Rahmen</translation>
    </message>
    <message>
        <source>Drag a box around the lesion</source>
        <translation>Ziehen Sie einen Rahmen um die Läsion</translation>
    </message>
    <message>
        <source>&amp;Point</source>
        <translation>&amp;Punkt</translation>
    </message>
    <message>
        <source>Click: lesion point; right or Shift-click: background point</source>
        <translation>Klick: Läsionspunkt; Rechts- oder Umschalt-Klick: Hintergrundpunkt</translation>
    </message>
    <message>
        <source>Br&amp;ush</source>
        <translation>&amp;Pinsel</translation>
    </message>
    <message>
        <source>Paint lesion pixels (right button erases)</source>
        <translation>Läsionspixel malen (rechte Taste radiert)</translation>
    </message>
    <message>
        <source>&amp;Eraser</source>
        <translation>Radier&amp;gummi</translation>
    </message>
    <message>
        <source>Erase lesion pixels</source>
        <translation>Läsionspixel entfernen</translation>
    </message>
    <message>
        <source>&amp;Calibrate</source>
        <translation>&amp;Kalibrieren</translation>
    </message>
    <message>
        <source>Draw a line of known length to measure in mm</source>
        <translation>Eine Linie bekannter Länge zeichnen, um in mm zu messen</translation>
    </message>
    <message>
        <source>P&amp;an</source>
        <translation>&amp;Verschieben</translation>
    </message>
    <message>
        <source>Drag to move the image (or hold Space, or use the middle button)</source>
        <translation>Ziehen verschiebt das Bild (oder Leertaste halten, oder mittlere Maustaste)</translation>
    </message>
    <message>
        <source>Brush size:</source>
        <translation>Pinselgröße:</translation>
    </message>
    <message>
        <source> px</source>
        <translation> px</translation>
    </message>
    <message>
        <source>Opacity:</source>
        <translation>Deckkraft:</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About DermSAM</source>
        <translation>&amp;Über DermSAM</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Arbeitsliste</translation>
    </message>
    <message>
        <source>Next Image</source>
        <translation>Nächstes Bild</translation>
    </message>
    <message>
        <source>Previous Image</source>
        <translation>Vorheriges Bild</translation>
    </message>
    <message>
        <source>Candidate masks</source>
        <translation>Maskenvorschläge</translation>
    </message>
    <message>
        <source>Point prompts give three candidate masks: pick one.</source>
        <translation>Punkt-Prompts liefern drei Maskenvorschläge: wählen Sie einen.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Model: %1 (%2) on %3</source>
        <translation>Modell: %1 (%2) auf %3</translation>
    </message>
    <message>
        <source>No model - choose a checkpoint in Edit &gt; Settings</source>
        <translation>Kein Modell – wählen Sie einen Checkpoint unter Bearbeiten &gt; Einstellungen</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <source>DermSAM</source>
        <translation>DermSAM</translation>
    </message>
    <message>
        <source>%1 contains no images.</source>
        <translation>%1 enthält keine Bilder.</translation>
    </message>
    <message>
        <source>Opening %1...</source>
        <translation>%1 wird geöffnet …</translation>
    </message>
    <message>
        <source>%1 x %2 px</source>
        <translation>%1 × %2 px</translation>
    </message>
    <message>
        <source>Image opened. Waiting for the model...</source>
        <translation>Bild geöffnet. Warte auf das Modell …</translation>
    </message>
    <message>
        <source>Drag a box around the lesion, or click points on it.</source>
        <translation>Ziehen Sie einen Rahmen um die Läsion oder klicken Sie Punkte darauf.</translation>
    </message>
    <message>
        <source>Unsaved mask</source>
        <translation>Ungespeicherte Maske</translation>
    </message>
    <message>
        <source>The mask of %1 has unsaved changes. Save them?</source>
        <translation>Die Maske von %1 hat ungespeicherte Änderungen. Speichern?</translation>
    </message>
    <message>
        <source>Save mask</source>
        <translation>Maske speichern</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>The model is still loading.</source>
        <translation>Das Modell wird noch geladen.</translation>
    </message>
    <message>
        <source>Mask %1: predicted IoU %2</source>
        <translation>Maske %1: vorhergesagter IoU %2</translation>
    </message>
    <message>
        <source>Mask computed in %1 ms.</source>
        <translation>Maske in %1 ms berechnet.</translation>
    </message>
    <message>
        <source>No lesion mask</source>
        <translation>Keine Läsionsmaske</translation>
    </message>
    <message>
        <source>Area %1 px, max diameter %2 px</source>
        <translation>Fläche %1 px, max. Durchmesser %2 px</translation>
    </message>
    <message>
        <source> (%1 mm², %2 mm%3)</source>
        <translation> (%1 mm², %2 mm%3)</translation>
    </message>
    <message>
        <source>, calibrated</source>
        <translation>, kalibriert</translation>
    </message>
    <message>
        <source>Calibrate</source>
        <translation>Kalibrieren</translation>
    </message>
    <message>
        <source>The line is %1 px long. Its length in mm:</source>
        <translation>Die Linie ist %1 px lang. Ihre Länge in mm:</translation>
    </message>
    <message>
        <source>About DermSAM</source>
        <translation>Über DermSAM</translation>
    </message>
    <message>
        <source>&lt;h3&gt;DermSAM %1&lt;/h3&gt;&lt;p&gt;Dermoscopy lesion segmentation with Segment Anything-family models.&lt;/p&gt;&lt;p&gt;&lt;b&gt;DermSAM is a research tool, not a diagnostic device.&lt;/b&gt; Its masks and measurements must not be used for diagnosis or treatment decisions.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DermSAM %1&lt;/h3&gt;&lt;p&gt;Segmentierung von Hautläsionen in Dermatoskopiebildern mit Modellen der Segment-Anything-Familie.&lt;/p&gt;&lt;p&gt;&lt;b&gt;DermSAM ist ein Forschungswerkzeug, kein Diagnosegerät.&lt;/b&gt; Seine Masken und Messungen dürfen nicht für Diagnose- oder Therapieentscheidungen verwendet werden.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Undo %1</source>
        <translation>Rückgängig: %1</translation>
    </message>
    <message>
        <source>Redo %1</source>
        <translation>Wiederholen: %1</translation>
    </message>
    <message>
        <source>Toggle &amp;Done</source>
        <translation>Als &amp;erledigt markieren/aufheben</translation>
    </message>
    <message>
        <source>Heatmap</source>
        <translation>Heatmap</translation>
    </message>
    <message>
        <source>Show &amp;Heatmap</source>
        <translation>&amp;Heatmap anzeigen</translation>
    </message>
    <message>
        <source>Peak at %1, %2 (%3 ms).</source>
        <translation>Maximum bei %1, %2 (%3 ms).</translation>
    </message>
</context>
<context>
    <name>dermsam::MaskCommands</name>
    <message>
        <source>Erase</source>
        <translation>Radieren</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>Pinsel</translation>
    </message>
    <message>
        <source>Model mask</source>
        <translation>Modellmaske</translation>
    </message>
</context>
<context>
    <name>dermsam::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Built-in default model</source>
        <translation>Eingebautes Standardmodell</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <source>Model checkpoint:</source>
        <translation>Modell-Checkpoint:</translation>
    </message>
    <message>
        <source>As stored in the checkpoint</source>
        <translation>Wie im Checkpoint gespeichert</translation>
    </message>
    <message>
        <source>MedSAM (1024 x 1024, min-max)</source>
        <translation>MedSAM (1024 × 1024, Min-Max)</translation>
    </message>
    <message>
        <source>SAM (longest side 1024, mean/std)</source>
        <translation>SAM (längste Seite 1024, Mittelwert/Std.)</translation>
    </message>
    <message>
        <source>Preprocessing:</source>
        <translation>Vorverarbeitung:</translation>
    </message>
    <message>
        <source>Automatic (CUDA when present)</source>
        <translation>Automatisch (CUDA, falls vorhanden)</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA (GPU)</source>
        <translation>CUDA (GPU)</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <source>All cores (%1)</source>
        <translation>Alle Kerne (%1)</translation>
    </message>
    <message>
        <source>CPU threads:</source>
        <translation>CPU-Threads:</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>Choose a model checkpoint</source>
        <translation>Modell-Checkpoint wählen</translation>
    </message>
    <message>
        <source>Model checkpoints (*.pth *.pt *.safetensors);;All files (*)</source>
        <translation>Modell-Checkpoints (*.pth *.pt *.safetensors);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Dermoscopy lesion segmentation with explanations</source>
        <translation>Segmentierung von Hautläsionen in Dermatoskopiebildern, mit Erklärungen</translation>
    </message>
    <message>
        <source>Image or folder to open.</source>
        <translation>Zu öffnendes Bild oder Ordner.</translation>
    </message>
    <message>
        <source>Model checkpoint for this session (overrides the settings).</source>
        <translation>Modell-Checkpoint für diese Sitzung (überschreibt die Einstellungen).</translation>
    </message>
</context>
<context>
    <name>dermsam::HeatmapPanel</name>
    <message>
        <source>Show heatmap (H)</source>
        <translation>Heatmap anzeigen (H)</translation>
    </message>
    <message>
        <source>Grad-CAM</source>
        <translation>Grad-CAM</translation>
    </message>
    <message>
        <source>HiResCAM</source>
        <translation>HiResCAM</translation>
    </message>
    <message>
        <source>Grad-CAM++</source>
        <translation>Grad-CAM++</translation>
    </message>
    <message>
        <source>image embedding</source>
        <translation>Bild-Embedding</translation>
    </message>
    <message>
        <source>encoder block </source>
        <translation>Encoder-Block </translation>
    </message>
    <message>
        <source>Turbo</source>
        <translation>Turbo</translation>
    </message>
    <message>
        <source>Jet</source>
        <translation>Jet</translation>
    </message>
    <message>
        <source>Viridis</source>
        <translation>Viridis</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>Methode:</translation>
    </message>
    <message>
        <source>Layer:</source>
        <translation>Schicht:</translation>
    </message>
    <message>
        <source>Opacity:</source>
        <translation>Deckkraft:</translation>
    </message>
    <message>
        <source>Colour map:</source>
        <translation>Farbskala:</translation>
    </message>
    <message>
        <source>low</source>
        <translation>niedrig</translation>
    </message>
    <message>
        <source>high</source>
        <translation>hoch</translation>
    </message>
</context>
<context>
    <name>dermsam::WorklistView</name>
    <message>
        <source>Done</source>
        <translation>Erledigt</translation>
    </message>
    <message>
        <source>Not done</source>
        <translation>Nicht erledigt</translation>
    </message>
    <message>
        <source>Page Down / Page Up: next / previous image. A tick marks an image as done: its mask is saved, or you ticked it (D).</source>
        <translation>Bild ab / Bild auf: nächstes / vorheriges Bild. Ein Haken markiert ein Bild als erledigt: seine Maske ist gespeichert, oder Sie haben es abgehakt (D).</translation>
    </message>
</context>
</TS>